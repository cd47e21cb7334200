package dev.jwasmnn.nn.backend.pytorch;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import java.util.zip.ZipInputStream;

/**
 * The argument names of a TorchScript module's {@code forward}, read from the archive itself:
 * libtorch (and DJL) do not expose the schema, but a TorchScript file is a zip whose
 * {@code data.pkl} names the root class and whose {@code code/} folder holds that class's
 * source. Used to number and name wasi-nn inputs; when anything here is unexpected the caller
 * falls back to accepting inputs by index without names.
 *
 * @param names argument names after {@code self}, in order
 * @param required how many leading arguments have no default value
 */
record TorchScriptSignature(List<String> names, int required) {
    private static final int MAX_SOURCE_BYTES = 16 << 20;

    static Optional<TorchScriptSignature> read(byte[] archive) {
        try (ZipInputStream zip = new ZipInputStream(new ByteArrayInputStream(archive))) {
            Map<String, byte[]> entries = new HashMap<>();
            ZipEntry e;
            while ((e = zip.getNextEntry()) != null) {
                if (wanted(e.getName())) {
                    entries.put(e.getName(), zip.readNBytes(MAX_SOURCE_BYTES));
                }
            }
            return parse(entries);
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }

    static Optional<TorchScriptSignature> read(Path archive) {
        try (ZipFile zip = new ZipFile(archive.toFile())) {
            Map<String, byte[]> entries = new HashMap<>();
            for (ZipEntry e : java.util.Collections.list(zip.entries())) {
                if (wanted(e.getName())) {
                    try (InputStream in = zip.getInputStream(e)) {
                        entries.put(e.getName(), in.readNBytes(MAX_SOURCE_BYTES));
                    }
                }
            }
            return parse(entries);
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }

    private static boolean wanted(String name) {
        return (name.endsWith("/data.pkl") && name.indexOf('/') == name.lastIndexOf('/'))
                || (name.contains("/code/") && name.endsWith(".py"));
    }

    private static Optional<TorchScriptSignature> parse(Map<String, byte[]> entries) {
        byte[] pickle = entries.entrySet().stream().filter(en -> en.getKey().endsWith("/data.pkl"))
                .map(Map.Entry::getValue).findFirst().orElse(null);
        // Protocol 2 pickle whose first opcode is GLOBAL: 0x80 0x02 'c' module '\n' class '\n'.
        if (pickle == null || pickle.length < 4 || (pickle[0] & 0xFF) != 0x80 || pickle[2] != 'c') {
            return Optional.empty();
        }
        String header = new String(pickle, 3, Math.min(pickle.length - 3, 1024), StandardCharsets.UTF_8);
        String[] lines = header.split("\n", 3);
        if (lines.length < 3) {
            return Optional.empty();
        }
        String module = lines[0];
        String cls = lines[1];
        String file = "/code/" + module.replace('.', '/') + ".py";
        byte[] source = entries.entrySet().stream().filter(en -> en.getKey().endsWith(file))
                .map(Map.Entry::getValue).findFirst().orElse(null);
        if (source == null) {
            return Optional.empty();
        }
        return forwardOf(new String(source, StandardCharsets.UTF_8), cls);
    }

    private static Optional<TorchScriptSignature> forwardOf(String source, String cls) {
        int classAt = source.indexOf("class " + cls + "(");
        if (classAt < 0) {
            return Optional.empty();
        }
        int defAt = source.indexOf("def forward(", classAt);
        if (defAt < 0) {
            return Optional.empty();
        }
        int open = defAt + "def forward".length();
        List<String> params = new ArrayList<>();
        int depth = 0;
        StringBuilder current = new StringBuilder();
        for (int i = open; i < source.length(); i++) {
            char c = source.charAt(i);
            if (c == '(' || c == '[') {
                depth++;
                if (depth == 1 && c == '(') {
                    continue;
                }
            } else if (c == ')' || c == ']') {
                depth--;
                if (depth == 0) {
                    params.add(current.toString().trim());
                    break;
                }
            } else if (c == ',' && depth == 1) {
                params.add(current.toString().trim());
                current.setLength(0);
                continue;
            }
            current.append(c);
        }
        if (params.isEmpty() || !params.get(0).startsWith("self")) {
            return Optional.empty();
        }
        List<String> names = new ArrayList<>();
        int required = 0;
        boolean defaults = false;
        for (String p : params.subList(1, params.size())) {
            if (p.isEmpty()) {
                continue;
            }
            int colon = p.indexOf(':');
            String name = (colon < 0 ? p : p.substring(0, colon)).trim();
            if (name.isEmpty() || name.startsWith("*")) {
                return Optional.empty();
            }
            defaults |= p.contains("=");
            required += defaults ? 0 : 1;
            names.add(name);
        }
        return Optional.of(new TorchScriptSignature(List.copyOf(names), required));
    }
}
