package dev.jwasmnn.store.config;

/** How the server turns a guest's stdout into an HTTP response. */
public enum ResponseMode {
    /** stdout is the body; status 200 and the configured content type. */
    BODY,
    /**
     * CGI style: header lines ({@code Content-Type: ...}, {@code Status: 404}) and a blank line,
     * then the body, so the guest chooses status and content type per request.
     */
    CGI
}
