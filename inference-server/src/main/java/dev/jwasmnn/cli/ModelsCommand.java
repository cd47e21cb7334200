package dev.jwasmnn.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.PrintWriter;
import java.net.http.HttpRequest;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code jwasm-nn models list|status|load|unload|reload}: drives a running server's model store. */
@Command(
        name = "models",
        mixinStandardHelpOptions = true,
        description = "List, load, unload and reload the models of a running server (its admin API).",
        subcommands = {
            ModelsCommand.List.class, ModelsCommand.Status.class, ModelsCommand.Load.class,
            ModelsCommand.Unload.class, ModelsCommand.Reload.class
        },
        footer = {
            "",
            "Exit status: 0 done; 1 the server refused (the message says why: a load that failed,",
            "an unknown model); 2 a bad command line; 3 the server is unreachable; 4 a token is needed."
        })
final class ModelsCommand implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    /** Options every subcommand shares. */
    static final class Connection {
        @Option(names = "--server", paramLabel = "URL", defaultValue = AdminClient.DEFAULT_SERVER,
                description = "The server's admin API (default ${DEFAULT-VALUE}).")
        String server;

        @Option(names = "--token", paramLabel = "T", description = "Admin bearer token (or JWASMNN_ADMIN_TOKEN).")
        String token;

        @Option(names = "--token-file", paramLabel = "FILE", description = "File holding the admin token.")
        Path tokenFile;

        @Option(names = "--json", description = "Print the server's JSON answer.")
        boolean json;

        AdminClient client() {
            return new AdminClient(server, AdminClient.token(token, tokenFile));
        }
    }

    abstract static class Base implements Callable<Integer> {
        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @CommandLine.Mixin
        Connection connection = new Connection();

        @Override
        public Integer call() {
            PrintWriter out = spec.commandLine().getOut();
            PrintWriter err = spec.commandLine().getErr();
            AdminClient client;
            try {
                client = connection.client();
            } catch (IllegalArgumentException e) {
                throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
            }
            try {
                JsonNode answer = execute(client);
                if (connection.json) {
                    out.println(answer == null ? "" : answer.toPrettyString());
                } else {
                    print(answer, out);
                }
                out.flush();
                return 0;
            } catch (AdminClient.Failure f) {
                return AdminClient.report(f, err);
            }
        }

        abstract JsonNode execute(AdminClient client) throws AdminClient.Failure;

        void print(JsonNode answer, PrintWriter out) {
            printStatus(answer, out);
        }
    }

    abstract static class OnModel extends Base {
        @Parameters(index = "0", paramLabel = "MODEL", description = "The model's name (its folder in the repository).")
        String model;
    }

    @Command(name = "list", mixinStandardHelpOptions = true, description = "Every model with its state and versions.")
    static final class List extends Base {
        @Override
        JsonNode execute(AdminClient client) throws AdminClient.Failure {
            return client.post("/v2/repository/index", HttpRequest.BodyPublishers.noBody(), null);
        }

        @Override
        void print(JsonNode answer, PrintWriter out) {
            out.printf("%-24s %-12s %-10s %s%n", "MODEL", "STATE", "VERSIONS", "LAST ERROR");
            for (JsonNode m : answer) {
                out.printf("%-24s %-12s %-10s %s%n", m.get("name").asText(), m.get("state").asText(),
                        versions(m), m.has("reason") ? m.get("reason").asText() : "");
            }
        }
    }

    @Command(name = "status", mixinStandardHelpOptions = true, description = "One model's state, versions, device, guest and last error.")
    static final class Status extends OnModel {
        @Override
        JsonNode execute(AdminClient client) throws AdminClient.Failure {
            return client.get("/v2/repository/models/" + model + "/status");
        }
    }

    @Command(name = "load", mixinStandardHelpOptions = true,
            description = "Load MODEL from the repository (a reload when it is already loaded).")
    static final class Load extends OnModel {
        @Override
        JsonNode execute(AdminClient client) throws AdminClient.Failure {
            return client.post("/v2/repository/models/" + model + "/load", HttpRequest.BodyPublishers.noBody(), null);
        }
    }

    @Command(name = "reload", mixinStandardHelpOptions = true,
            description = {"Reload MODEL from the repository: the new versions load fully, then replace the old",
                "ones at once; requests in flight finish on the old version. If the load fails, the old",
                "version keeps serving and this command exits 1 with the reason."})
    static final class Reload extends OnModel {
        @Override
        JsonNode execute(AdminClient client) throws AdminClient.Failure {
            return client.post("/v2/repository/models/" + model + "/reload", HttpRequest.BodyPublishers.noBody(), null);
        }
    }

    @Command(name = "unload", mixinStandardHelpOptions = true,
            description = "Stop serving MODEL: new requests are refused, in-flight ones finish, memory is freed.")
    static final class Unload extends OnModel {
        @Override
        JsonNode execute(AdminClient client) throws AdminClient.Failure {
            return client.post("/v2/repository/models/" + model + "/unload", HttpRequest.BodyPublishers.noBody(), null);
        }
    }

    static void printStatus(JsonNode s, PrintWriter out) {
        out.println(s.get("name").asText() + ": " + s.get("state").asText() + ", versions " + versions(s));
        for (String key : new String[] {"device", "guest", "warning", "reason", "failed_at"}) {
            if (s.has(key)) {
                out.println("  " + (key.equals("reason") ? "last error" : key.replace('_', ' ')) + ": " + s.get(key).asText());
            }
        }
    }

    static String versions(JsonNode s) {
        StringBuilder b = new StringBuilder();
        for (JsonNode v : s.get("versions")) {
            b.append(b.isEmpty() ? "" : ",").append(v.asText());
        }
        return b.isEmpty() ? "-" : b.toString();
    }
}
