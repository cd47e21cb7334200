package dev.jwasmnn.server;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * What a guest's stdout says the HTTP response is. In body mode stdout is the body; in CGI mode
 * it starts with header lines and a blank line ({@code Status: 404}, {@code Content-Type: ...},
 * other headers passed through), then the body.
 *
 * @param status HTTP status
 * @param contentType the body's media type
 * @param headers other headers the guest set, in order; a repeated name (Set-Cookie, Link) keeps
 *     every value
 * @param body offset and length into {@code bytes}
 */
record GuestResponse(int status, String contentType, Map<String, List<String>> headers,
        byte[] bytes, int offset, int length) {

    /** Headers a guest may not set: the server frames the response itself. */
    private static final Set<String> RESERVED = Set.of(
            "content-length", "transfer-encoding", "connection", "keep-alive", "upgrade", "trailer", "te",
            "inference-header-content-length", "x-request-id");
    private static final int MAX_HEADER_BYTES = 16 * 1024;

    static GuestResponse body(byte[] stdout, String contentType) {
        return new GuestResponse(200, contentType, Map.of(), stdout, 0, stdout.length);
    }

    /**
     * Parses a CGI-style response.
     *
     * @throws HttpProblem 500 saying what is malformed (it is the guest's bug, not the client's)
     */
    static GuestResponse cgi(byte[] out, String defaultContentType) {
        int status = 200;
        String contentType = defaultContentType;
        Map<String, List<String>> headers = new LinkedHashMap<>();
        int pos = 0;
        while (true) {
            int eol = indexOf(out, pos, (byte) '\n');
            if (eol < 0 || eol > MAX_HEADER_BYTES) {
                throw malformed("no blank line ends the headers within " + MAX_HEADER_BYTES + " bytes");
            }
            int end = eol > pos && out[eol - 1] == '\r' ? eol - 1 : eol;
            if (end == pos) {
                pos = eol + 1;
                break;
            }
            String line = new String(out, pos, end - pos, StandardCharsets.ISO_8859_1);
            int colon = line.indexOf(':');
            if (colon <= 0) {
                throw malformed("header line '" + abbreviate(line) + "' has no 'Name: value' form");
            }
            String name = line.substring(0, colon).trim();
            String value = line.substring(colon + 1).trim();
            if (value.chars().anyMatch(c -> (c < 0x20 && c != '\t') || c == 0x7f)) {
                // A bare CR or other control byte would let the guest split or forge headers.
                throw malformed("header " + abbreviate(name) + " has a control character in its value");
            }
            if (!name.chars().allMatch(c -> c > 32 && c < 127 && c != ':')) {
                throw malformed("header name '" + abbreviate(name) + "' is not a token");
            }
            String lower = name.toLowerCase(Locale.ROOT);
            if (lower.equals("status")) {
                status = parseStatus(value);
            } else if (lower.equals("content-type")) {
                contentType = value;
            } else if (RESERVED.contains(lower)) {
                throw malformed("the guest may not set the " + name + " header");
            } else {
                headers.computeIfAbsent(name, k -> new ArrayList<>()).add(value);
            }
            pos = eol + 1;
        }
        if ((status == 204 || status == 205 || status == 304) && pos < out.length) {
            throw malformed("Status " + status + " allows no body, but the guest wrote " + (out.length - pos) + " bytes");
        }
        return new GuestResponse(status, contentType, headers, out, pos, out.length - pos);
    }

    private static int parseStatus(String value) {
        String code = value.split(" ", 2)[0];
        try {
            int s = Integer.parseInt(code);
            if (s >= 200 && s <= 599) {
                return s;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw malformed("Status '" + abbreviate(value) + "' is not an HTTP status from 200 to 599");
    }

    private static int indexOf(byte[] b, int from, byte x) {
        for (int i = from; i < b.length; i++) {
            if (b[i] == x) {
                return i;
            }
        }
        return -1;
    }

    private static String abbreviate(String s) {
        return s.length() > 60 ? s.substring(0, 60) + "..." : s;
    }

    private static HttpProblem malformed(String why) {
        return new HttpProblem(500, "the guest wrote a malformed CGI response: " + why);
    }
}
