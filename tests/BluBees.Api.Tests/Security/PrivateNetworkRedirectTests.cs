using System.Text.Json.Nodes;
using BluBees.Api.Tests.Harness;

namespace BluBees.Api.Tests.Security;

/// <summary>
/// The egress policy as deployed (<c>Egress:AllowPrivateNetworks=false</c>) on a network where the private addresses
/// really answer: the backend runs in its own network namespace (<c>unshare -n</c>: nothing leaves the machine), where
/// a "public" third party (93.184.216.34, on the namespace's loopback interface) redirects each step of a rule to an
/// internal server that is listening: 10.9.9.9, 172.16.5.5, the metadata address 169.254.169.254 and 127.0.0.1, each
/// spelled as a redirect might spell it (decimal, hex, octal, short, IPv4-mapped IPv6, 0.0.0.0). Every step records
/// <c>blocked_destination</c> and no internal server sees a connection, while a redirect to another public address
/// is followed (the control). The loopback tests elsewhere allow private networks to reach their servers; this one
/// is the only place a refusal is shown where the connection would have worked.
/// </summary>
public sealed class PrivateNetworkRedirectTests
{
    private static readonly (string Id, string Location)[] Targets =
    [
        ("ten", "http://10.9.9.9:8082/admin"),
        ("rfc1918", "http://172.16.5.5:8084/admin"),
        ("metadata", "http://169.254.169.254/latest/meta-data/"),
        ("metadatadecimal", "http://2852039166/latest/meta-data/"),
        ("metadatahex", "http://0xa9.0xfe.0xa9.0xfe/latest/meta-data/"),
        ("metadatamapped", "http://[::ffff:169.254.169.254]/latest/meta-data/"),
        ("loopback", "http://127.0.0.1:8083/"),
        ("loopbackshort", "http://127.1:8083/"),
        ("loopbackhex", "http://0x7f000001:8083/"),
        ("loopbackoctal", "http://0177.0.0.1:8083/"),
        ("loopbackmapped", "http://[::ffff:7f00:1]:8083/"),
        ("unspecified", "http://0.0.0.0:8083/"),
        ("relative", "//10.9.9.9:8082/admin"),
    ];

    private const string Probes = """
        ip addr add 93.184.216.34/32 dev lo
        ip addr add 93.184.216.35/32 dev lo
        ip addr add 169.254.169.254/32 dev lo
        ip addr add 172.16.5.5/32 dev lo
        cat > "$DIR/flow.py" <<'PY'
        import json, os, threading, time, urllib.request
        from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
        DIR, PORT = os.environ["DIR"], os.environ["PORT"]
        TARGETS = json.loads(os.environ["TARGETS"])
        hits = {"public": [], "control": [], "internal": []}

        def server(address, port, name, answer):
            class H(BaseHTTPRequestHandler):
                def do_GET(self):
                    hits[name].append(self.path)
                    status, location = answer(self.path)
                    self.send_response(status)
                    if location:
                        self.send_header("Location", location)
                    self.send_header("Content-Length", "2")
                    self.end_headers()
                    self.wfile.write(b"ok")
                def log_message(self, *args):
                    pass
            s = ThreadingHTTPServer((address, port), H)
            threading.Thread(target=s.serve_forever, daemon=True).start()

        server("93.184.216.34", 8081, "public", lambda p: (302, TARGETS.get(p.rsplit("/", 1)[-1], "http://93.184.216.35:8085/ok")))
        server("93.184.216.35", 8085, "control", lambda p: (200, None))
        for address, port in [("10.9.9.9", 8082), ("172.16.5.5", 8084), ("169.254.169.254", 80), ("127.0.0.1", 8083)]:
            server(address, port, "internal", lambda p: (200, None))

        def call(method, path, token, body=None):
            request = urllib.request.Request("http://127.0.0.1:%s%s" % (PORT, path), method=method,
                data=None if body is None else json.dumps(body).encode(), headers={"Content-Type": "application/json"})
            if token:
                request.add_header("Authorization", "Bearer " + token)
            with urllib.request.urlopen(request, timeout=30) as response:
                return json.loads(response.read() or b"null")

        tenant = "ari:cloud:ecosystem::installation/00000000-0000-4000-8000-00000000e9e5"
        ui = call("POST", "/dev/token", None, {"tenantId": tenant, "path": "/api"})["token"]
        events = call("POST", "/dev/token", None, {"tenantId": tenant, "path": "/forge/events"})["token"]
        call("POST", "/api/rules", ui, json.loads(os.environ["RULE"]))
        call("POST", "/forge/events", events, json.loads(os.environ["EVENT"]))
        runs = []
        for i in range(300):
            runs = call("GET", "/api/runs", ui)["items"]
            if runs:
                break
            time.sleep(0.2)
        detail = call("GET", "/api/runs/" + runs[0]["id"], ui) if runs else None
        with open(os.path.join(DIR, "result.json"), "w") as f:
            json.dump({"run": detail, "hits": hits}, f)
        print("flow done")
        PY
        python3 "$DIR/flow.py"
        """;

    [Test]
    public async Task A_redirect_to_a_listening_private_address_is_refused_under_the_deployed_policy()
    {
        var steps = new JsonArray();
        foreach (var (id, _) in Targets.Append(("control", "")))
        {
            steps.Add(new JsonObject { ["id"] = id, ["type"] = "http", ["method"] = "GET", ["url"] = "http://93.184.216.34:8081/r/" + id, ["onError"] = "continue" });
        }

        var rule = new JsonObject
        {
            ["name"] = "Redirected to the inside",
            ["trigger"] = new JsonObject { ["type"] = "event", ["events"] = new JsonArray("avi:jira:updated:issue"), ["projects"] = new JsonArray("OPS") },
            ["steps"] = steps,
        };
        var targets = new JsonObject();
        foreach (var (id, location) in Targets)
        {
            targets[id] = location;
        }

        using var run = await new NetworkNamespaceBackend(5996, new Dictionary<string, string>
        {
            ["ASPNETCORE_ENVIRONMENT"] = "Development",
            ["DOTNET_ENVIRONMENT"] = "Development",
            ["Egress__AllowPrivateNetworks"] = "false",
            ["Egress__AllowHttp"] = "true",
            ["Egress__AllowAnyPort"] = "true",
            ["TARGETS"] = targets.ToJsonString(),
            ["RULE"] = rule.ToJsonString(),
            ["EVENT"] = Samples.Event("OPS-9", "redirected").ToJsonString(),
        }).RunAsync(Probes);

        Assert.That(run.Output, Does.Contain("flow done"), run.Output);
        var result = JsonNode.Parse(await run.ReadAsync("result.json"))!;
        var records = result["run"]!["steps"]!.AsArray().ToDictionary(s => s!["id"]!.GetValue<string>(), s => s!);
        var hits = result["hits"]!;

        Assert.Multiple(() =>
        {
            foreach (var (id, location) in Targets)
            {
                Assert.That(records[id]["errorCategory"]?.GetValue<string>(), Is.EqualTo("blocked_destination"), id + " → " + location);
            }

            Assert.That(records["control"]["status"]!.GetValue<string>(), Is.EqualTo("succeeded"), "a redirect to a public address is followed");
            Assert.That(hits["control"]!.AsArray(), Has.Count.EqualTo(1));
            Assert.That(hits["public"]!.AsArray(), Has.Count.EqualTo(Targets.Length + 1), "every step asked the public host first");
            Assert.That(hits["internal"]!.AsArray(), Is.Empty, "no internal server saw a request");
        });
    }
}
