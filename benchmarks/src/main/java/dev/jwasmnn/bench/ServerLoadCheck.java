package dev.jwasmnn.bench;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * One request per path and model before any load, checked against the in-process output: a
 * benchmark of error responses or wrong answers would be fast and worthless.
 */
final class ServerLoadCheck {
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private ServerLoadCheck() {}

    /**
     * The answer's tensor bytes: the whole body from a guest, what follows the JSON header in the
     * binary form (the protocol's answer to a raw request; one output here).
     */
    private static byte[] outputBytes(HttpResponse<byte[]> res) {
        int header = res.headers().firstValue("inference-header-content-length").map(Integer::parseInt).orElse(0);
        return java.util.Arrays.copyOfRange(res.body(), header, res.body().length);
    }

    static void expect(String url, ServerLoadPath path, byte[] body, byte[] expected) throws Exception {
        HttpRequest.Builder req = HttpRequest.newBuilder(URI.create(url))
                .timeout(Duration.ofSeconds(30))
                .POST(HttpRequest.BodyPublishers.ofByteArray(body));
        path.headers.forEach(req::header);
        HttpResponse<byte[]> res = HTTP.send(req.build(), HttpResponse.BodyHandlers.ofByteArray());
        if (res.statusCode() != 200) {
            throw new IllegalStateException("POST " + url + " answered " + res.statusCode() + ": "
                    + new String(res.body(), StandardCharsets.UTF_8));
        }
        float[] got = ServerLoadTiming.floats(outputBytes(res));
        float[] want = ServerLoadTiming.floats(expected);
        if (got.length != want.length) {
            throw new IllegalStateException("POST " + url + " answered " + got.length * 4 + " output bytes, expected "
                    + expected.length);
        }
        for (int i = 0; i < want.length; i++) {
            if (Math.abs(got[i] - want[i]) > 1e-4f * Math.max(1f, Math.abs(want[i]))) {
                throw new IllegalStateException("POST " + url + ": output[" + i + "] = " + got[i] + ", in-process "
                        + want[i]);
            }
        }
    }
}
