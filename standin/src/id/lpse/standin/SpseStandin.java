package id.lpse.standin;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.Executors;

/**
 * SPSE STAND-IN: not SPSE. The real SPSE is distributed by LKPP to trained administrators only,
 * so the lpse-dc lab deploys this small application in its place. It exercises what SPSE needs
 * from the data centre: a Java runtime, a PostgreSQL database (epns_prod), a file store, a health
 * endpoint behind the reverse proxy, and rows written through the application.
 */
public final class SpseStandin {
    static final String VERSION = "1.0.0";
    private final Properties conf;
    private final Path fileStore;

    private SpseStandin(Properties conf) {
        this.conf = conf;
        this.fileStore = Paths.get(conf.getProperty("filestore.path", "/home/file/file_prod"));
    }

    public static void main(String[] args) throws Exception {
        if (args.length != 1) {
            System.err.println("usage: SpseStandin /path/to/application.properties");
            System.exit(2);
        }
        Properties conf = new Properties();
        try (InputStream in = Files.newInputStream(Paths.get(args[0]))) {
            conf.load(in);
        }
        for (String key : new String[] {"db.url", "db.user", "db.password"}) {
            if (conf.getProperty(key, "").isEmpty()) {
                System.err.println(args[0] + ": " + key + " is not set");
                System.exit(2);
            }
        }
        SpseStandin app = new SpseStandin(conf);
        app.migrate();
        String address = conf.getProperty("http.address", "127.0.0.1");
        int port = Integer.parseInt(conf.getProperty("http.port", "8080"));
        HttpServer server = HttpServer.create(new InetSocketAddress(address, port), 64);
        server.createContext("/health", app::health);
        server.createContext("/api/paket", app::paket);
        server.createContext("/login", app::login);
        server.createContext("/", app::home);
        server.setExecutor(Executors.newFixedThreadPool(8));
        server.start();
        System.out.println("SPSE stand-in " + VERSION + " listening on " + address + ":" + port);
    }

    private Connection db() throws SQLException {
        return DriverManager.getConnection(
                conf.getProperty("db.url"), conf.getProperty("db.user"), conf.getProperty("db.password"));
    }

    /** Create the schema on first start (the real SPSE migrates its own schema too). */
    private void migrate() throws InterruptedException {
        for (int attempt = 1; ; attempt++) {
            try (Connection c = db(); Statement st = c.createStatement()) {
                st.execute("CREATE TABLE IF NOT EXISTS paket ("
                        + "id bigserial PRIMARY KEY, nama text NOT NULL, "
                        + "dibuat timestamptz NOT NULL DEFAULT now())");
                try (ResultSet rs = st.executeQuery("SELECT count(*) FROM paket")) {
                    rs.next();
                    if (rs.getLong(1) == 0) {
                        st.execute("INSERT INTO paket (nama) VALUES "
                                + "('Pembangunan Jalan Desa Cibiru (contoh)'), "
                                + "('Pengadaan Komputer Kantor Kecamatan (contoh)'), "
                                + "('Rehabilitasi Gedung Puskesmas (contoh)')");
                    }
                }
                return;
            } catch (SQLException e) {
                System.err.println("database not ready (attempt " + attempt + "): " + e.getMessage());
                if (attempt >= 30) {
                    System.exit(1);
                }
                Thread.sleep(2000);
            }
        }
    }

    private static void send(HttpExchange ex, int status, String type, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().set("Content-Type", type + "; charset=utf-8");
        ex.getResponseHeaders().set("Cache-Control", "no-store");
        ex.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = ex.getResponseBody()) {
            out.write(bytes);
        }
    }

    private static String esc(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }

    private void health(HttpExchange ex) throws IOException {
        String database;
        boolean ok = true;
        try (Connection c = db(); Statement st = c.createStatement(); ResultSet rs = st.executeQuery("SELECT 1")) {
            rs.next();
            database = "ok";
        } catch (SQLException e) {
            database = "error: " + e.getMessage().replace("\"", "'");
            ok = false;
        }
        String files = Files.isDirectory(fileStore) && Files.isWritable(fileStore) ? "ok" : "not writable";
        ok = ok && files.equals("ok");
        send(ex, ok ? 200 : 503, "application/json",
                "{\"status\":\"" + (ok ? "ok" : "error") + "\",\"database\":\"" + database
                        + "\",\"filestore\":\"" + files + "\",\"version\":\"" + VERSION
                        + "\",\"application\":\"spse-standin\"}\n");
    }

    private void paket(HttpExchange ex) throws IOException {
        try (Connection c = db()) {
            if ("POST".equals(ex.getRequestMethod())) {
                String body = new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
                String nama = "";
                for (String pair : body.split("&")) {
                    String[] kv = pair.split("=", 2);
                    if (kv.length == 2 && kv[0].equals("nama")) {
                        nama = URLDecoder.decode(kv[1], StandardCharsets.UTF_8);
                    }
                }
                if (nama.isBlank()) {
                    send(ex, 400, "application/json", "{\"error\":\"nama is required\"}\n");
                    return;
                }
                try (PreparedStatement ps = c.prepareStatement("INSERT INTO paket (nama) VALUES (?) RETURNING id")) {
                    ps.setString(1, nama);
                    try (ResultSet rs = ps.executeQuery()) {
                        rs.next();
                        send(ex, 201, "application/json", "{\"id\":" + rs.getLong(1) + "}\n");
                    }
                }
                return;
            }
            try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("SELECT count(*), coalesce(max(id), 0) FROM paket")) {
                rs.next();
                send(ex, 200, "application/json", "{\"count\":" + rs.getLong(1) + ",\"max_id\":" + rs.getLong(2) + "}\n");
            }
        } catch (SQLException e) {
            send(ex, 503, "application/json", "{\"error\":\"database unavailable\"}\n");
        }
    }

    private void login(HttpExchange ex) throws IOException {
        if ("POST".equals(ex.getRequestMethod())) {
            ex.getRequestBody().readAllBytes();
            send(ex, 401, "text/html", page("Masuk", "<p>Stand-in: tidak ada akun. / No accounts in the stand-in.</p>"));
            return;
        }
        send(ex, 200, "text/html", page("Masuk",
                "<form method=\"post\" action=\"/login\"><label>User ID <input name=\"user\"></label> "
                        + "<label>Kata sandi <input name=\"password\" type=\"password\"></label> "
                        + "<button>Masuk</button></form>"));
    }

    private void home(HttpExchange ex) throws IOException {
        if (!ex.getRequestURI().getPath().equals("/")) {
            send(ex, 404, "text/html", page("Tidak ditemukan", "<p>Halaman tidak ditemukan / Not found.</p>"));
            return;
        }
        List<String> rows = new ArrayList<>();
        long count;
        try (Connection c = db(); Statement st = c.createStatement()) {
            try (ResultSet rs = st.executeQuery("SELECT count(*) FROM paket")) {
                rs.next();
                count = rs.getLong(1);
            }
            try (ResultSet rs = st.executeQuery("SELECT id, nama FROM paket ORDER BY id LIMIT 5")) {
                while (rs.next()) {
                    rows.add("<li>" + rs.getLong(1) + ". " + esc(rs.getString(2)) + "</li>");
                }
            }
        } catch (SQLException e) {
            send(ex, 503, "text/html", page("Gangguan", "<p>Basis data tidak tersedia / Database unavailable.</p>"));
            return;
        }
        String site = esc(conf.getProperty("site.name", "LPSE"));
        send(ex, 200, "text/html", page(site,
                "<p class=\"standin\">SPSE STAND-IN — bukan SPSE; aplikasi pengganti untuk lab lpse-dc. "
                        + "/ Not SPSE: the lpse-dc lab's stand-in application.</p>"
                        + "<p>Paket lelang di basis data epns_prod: <strong id=\"paket-count\">" + count
                        + "</strong></p><ul>" + String.join("", rows) + "</ul>"));
    }

    private static String page(String title, String body) {
        return "<!doctype html><html lang=\"id\"><head><meta charset=\"utf-8\"><title>" + title
                + " — SPSE stand-in</title></head><body><h1>" + title + "</h1>" + body
                + "<footer>spse-standin " + VERSION + "</footer></body></html>\n";
    }
}
