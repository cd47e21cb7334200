package dev.jwasmnn.server;

import dev.jwasmnn.server.oip.OipJson;
import io.helidon.http.HeaderName;
import io.helidon.http.HeaderNames;
import io.helidon.http.Status;
import io.helidon.webserver.http.ServerResponse;

/** Small response helpers shared by the routes. */
final class Http {
    static final HeaderName REQUEST_ID = HeaderNames.create("X-Request-Id");
    /** A client may shorten (never lengthen) the model's deadline, e.g. {@code X-Request-Timeout: 250ms}. */
    static final HeaderName REQUEST_TIMEOUT = HeaderNames.create("X-Request-Timeout");
    static final HeaderName INFERENCE_HEADER_LENGTH = HeaderNames.create(OipJson.INFERENCE_HEADER_CONTENT_LENGTH);

    private Http() {}

    static void json(ServerResponse res, int status, byte[] body) {
        res.status(Status.create(status));
        res.header(HeaderNames.CONTENT_TYPE, OipJson.CONTENT_TYPE_JSON);
        res.send(body);
    }

    static void error(ServerResponse res, int status, String message) {
        if (res.isSent()) {
            return;
        }
        json(res, status, OipJson.errorJson(message));
    }

    /** Health-style answer: the status is the answer, the body empty. */
    static void status(ServerResponse res, int status) {
        res.status(Status.create(status));
        res.send();
    }
}
