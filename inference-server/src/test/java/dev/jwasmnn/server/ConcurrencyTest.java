package dev.jwasmnn.server;

import static dev.jwasmnn.server.TestServer.f32;
import static dev.jwasmnn.server.TestServer.floats;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * 64 clients at once, each sending inputs only it uses and checking that every answer is
 * computed from its own input: through a guest (raw tensors) and through the protocol (JSON).
 */
class ConcurrencyTest {
    private static final int CLIENTS = 64;
    private static final int REQUESTS_EACH = 20;
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void sixtyFourClientsGetTheirOwnAnswers(@TempDir Path repo) throws Exception {
        try (TestServer t = new TestServer(repo, s -> s.withAccessLog(false))) {
            ConcurrentLinkedQueue<String> problems = new ConcurrentLinkedQueue<>();
            CountDownLatch go = new CountDownLatch(1);
            List<Future<Integer>> clients = new ArrayList<>();
            try (ExecutorService pool = Executors.newFixedThreadPool(CLIENTS)) {
                for (int c = 0; c < CLIENTS; c++) {
                    int client = c;
                    clients.add(pool.submit(() -> {
                        go.await();
                        int ok = 0;
                        for (int i = 0; i < REQUESTS_EACH; i++) {
                            // Unique per client and request, exact in float: 2x+1 identifies it.
                            float base = client * 1000 + i;
                            float[] x = {base, base + 0.25f, -base, base + 0.5f};
                            float[] want = {2 * x[0] + 1, 2 * x[1] + 1, 2 * x[2] + 1, 2 * x[3] + 1};
                            float[] got = i % 2 == 0 ? viaGuest(t, x) : viaProtocol(t, x);
                            if (got == null) {
                                problems.add("client " + client + " request " + i + " failed");
                            } else if (!java.util.Arrays.equals(got, want)) {
                                problems.add("client " + client + " request " + i + " got " + java.util.Arrays.toString(got)
                                        + " for " + java.util.Arrays.toString(x));
                            } else {
                                ok++;
                            }
                        }
                        return ok;
                    }));
                }
                go.countDown();
                int total = 0;
                for (Future<Integer> f : clients) {
                    total += f.get(120, TimeUnit.SECONDS);
                }
                assertThat(problems).isEmpty();
                assertThat(total).isEqualTo(CLIENTS * REQUESTS_EACH);
            }
        }
    }

    private static float[] viaGuest(TestServer t, float[] x) {
        HttpResponse<byte[]> r = t.post("/v1/infer/tiny-guest", f32(x));
        return r.statusCode() == 200 ? floats(r.body()) : null;
    }

    private static float[] viaProtocol(TestServer t, float[] x) throws Exception {
        String body = "{\"inputs\":[{\"name\":\"x\",\"shape\":[1,4],\"datatype\":\"FP32\",\"data\":["
                + x[0] + "," + x[1] + "," + x[2] + "," + x[3] + "]}]}";
        HttpResponse<byte[]> r = t.post("/v2/models/tiny/infer", body);
        if (r.statusCode() != 200) {
            return null;
        }
        JsonNode data = JSON.readTree(r.body()).get("outputs").get(0).get("data");
        float[] out = new float[4];
        for (int i = 0; i < 4; i++) {
            out[i] = (float) data.get(i).asDouble();
        }
        return out;
    }
}
