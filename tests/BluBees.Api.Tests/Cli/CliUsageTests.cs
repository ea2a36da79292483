using System.Diagnostics;
using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;
using BluBees.Api.Tests.Harness;
using BluBees.Cli;
using BluBees.Cli.Commands;
using BluBees.Engine.DevTokens;

namespace BluBees.Api.Tests.Cli;

/// <summary>The CLI's usage errors, output formats and development-token lookup, as a newcomer meets them.</summary>
public sealed class CliUsageTests
{
    private static Task<(int Code, string Stdout, string Stderr)> RunCliAsync(IDictionary<string, string>? environment = null, string? workingDirectory = null, params string[] args)
        => CliProcess.RunAsync(environment, workingDirectory, args);

    [TestCase("frobnicate")]
    [TestCase("rule", "explode")]
    [TestCase("runs", "everything")]
    public async Task An_unknown_command_is_a_usage_error_on_stderr(params string[] args)
    {
        var (code, stdout, stderr) = await RunCliAsync(args: args);
        Assert.That(code, Is.EqualTo(2), "scripts must notice a typo");
        Assert.That(stderr, Does.Contain("unknown command").And.Contain(string.Join(' ', args)));
        Assert.That(stdout, Is.Empty);
    }

    /// <summary>A mistyped option was ignored: the command ran without it (an event for OPS-42, every run listed).</summary>
    [TestCase("--isue", "event", "send", "updated", "--isue", "WEB-5")]
    [TestCase("--stauts", "runs", "--stauts", "failed")]
    [TestCase("--tenat", "token", "--tenat", "ari:cloud:ecosystem::installation/x")]
    [TestCase("--jsn", "rule", "why", "my rule", "--jsn")]
    [TestCase("--json", "runs", "--json", "yes")]
    [TestCase("'extra'", "rule", "list", "extra")]
    public async Task A_mistyped_option_or_an_extra_argument_is_a_usage_error_naming_it(string named, params string[] args)
    {
        var (code, stdout, stderr) = await RunCliAsync(args: [.. args, "--url", "http://127.0.0.1:9"]);
        Assert.That(code, Is.EqualTo(2), stdout + stderr);
        Assert.That(stderr, Does.Contain("error:").And.Contain(named).And.Not.Contain("   at "));
        Assert.That(stdout, Is.Empty);
    }

    [Test]
    public async Task Help_lists_every_command_and_exits_zero()
    {
        foreach (var args in new[] { Array.Empty<string>(), ["help"], ["--help"] })
        {
            var (code, stdout, _) = await RunCliAsync(args: args);
            Assert.That(code, Is.Zero);
            Assert.That(stdout, Does.Contain("runs [--rule ID] [--status S] [--limit N] [--json]")
                .And.Contain("keys rotate").And.Contain("keys retire").And.Contain("backup export").And.Contain("backup restore")
                .And.Contain("tenants list").And.Contain("tenants erase --tenant ID --confirm ID")
                .And.Contain("created|updated|commented|deleted").And.Contain("--url"));
        }
    }

    [Test]
    public async Task Help_names_every_option_the_support_runs_and_sink_commands_read()
    {
        // support-access.md documents --from, --to and --cursor for 'support runs' (the command reads them), and the sink
        // offers --show-body in its banner; the help listed none of them.
        var (code, stdout, _) = await RunCliAsync(args: ["help"]);
        Assert.That(code, Is.Zero);
        Assert.That(stdout, Does.Contain("support runs --tenant ID --token-env VAR [--status S] [--rule ID] [--from ISO] [--to ISO] [--limit N]")
            .And.Contain("[--cursor C] [--json]")
            .And.Contain("sink [--port 5090] [--show-body]"));
    }

    // Not a header value: HttpClient refused it, and the CLI said "Cannot reach the backend" (exit 2, but naming neither
    // the option nor the fix). Nothing listens on port 9: the option is refused before any request.
    [TestCase("tökén")]
    [TestCase("a b")]
    [TestCase("")]
    public async Task A_system_token_that_is_no_header_value_is_a_usage_error_naming_the_option(string token)
    {
        var (code, stdout, stderr) = await CliProcess.RunAsync("event", "send", "updated", "--system-token", token, "--url", "http://127.0.0.1:9");
        Assert.That(code, Is.EqualTo(2), stdout + stderr);
        Assert.That(stderr, Does.Contain("--system-token must be printable ASCII").And.Not.Contain("Cannot reach").And.Not.Contain("   at "), stderr);
    }

    [TestCase("keys", "rotate")]
    [TestCase("keys", "retire")]
    [TestCase("backup", "export")]
    [TestCase("backup", "restore")]
    [TestCase("tenants", "list")]
    [TestCase("tenants", "erase")]
    public async Task An_operator_command_with_help_explains_itself_and_does_nothing(string group, string command)
    {
        // infra/README.md: "see `blubees keys rotate --help` for its options".
        var dir = Directory.CreateTempSubdirectory("blubees-cli-help-").FullName;
        try
        {
            var (code, stdout, _) = await RunCliAsync(workingDirectory: dir, args: [group, command, "--help", "--data-dir", Path.Combine(dir, ".data")]);
            Assert.That(code, Is.Zero);
            Assert.That(stdout, Does.Contain("KMS (Keys__Provider=Kms)").And.Contain("Into an empty tenant partition"), "the operator commands' own usage");
            Assert.That(Directory.Exists(Path.Combine(dir, ".data")), Is.False, "help touches no store");
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [TestCase("127.0.0.1:5080")]
    [TestCase("localhost")]
    [TestCase("ftp://127.0.0.1/")]
    [TestCase("http://")]
    public async Task A_url_without_a_usable_scheme_is_a_clear_error_without_a_stack_trace(string url)
    {
        var (code, stdout, stderr) = await RunCliAsync(args: ["runs", "--url", url, "--data-dir", Path.GetTempPath()]);
        Assert.That(code, Is.EqualTo(2));
        Assert.That(stdout + stderr, Does.Contain("--url must be an absolute http:// or https:// URL"));
        Assert.That(stdout + stderr, Does.Not.Contain("   at "), "no stack trace");
    }

    /// <summary>
    /// A user name and password in --url were kept in the base URL, which every later error prints ("Cannot reach the
    /// backend at …"); now refused first, and never echoed.
    /// </summary>
    [TestCase("http://admin:hunter2-pass@127.0.0.1:9/")]
    [TestCase("http://admin:hunter2-pass@/")]
    public async Task A_url_with_a_password_is_refused_without_showing_it(string url)
    {
        var (code, stdout, stderr) = await RunCliAsync(args: ["runs", "--url", url, "--data-dir", Path.GetTempPath()]);
        Assert.That(code, Is.EqualTo(2), stdout + stderr);
        Assert.That(stderr, Does.Contain("--url"));
        Assert.That(stdout + stderr, Does.Not.Contain("hunter2-pass"));
    }

    [TestCase("--rule", "runs", "--rule")]
    [TestCase("--limit", "runs", "--limit", "--url", "http://127.0.0.1:9/")]
    [TestCase("--url", "runs", "--url")]
    public async Task An_option_given_without_its_value_is_a_usage_error_not_ignored(string option, params string[] args)
    {
        // Before: the option was taken for a flag and never read, so 'runs --rule' listed every rule's runs.
        var (code, stdout, stderr) = await RunCliAsync(args: [.. args, "--data-dir", Path.GetTempPath()]);
        Assert.That(code, Is.EqualTo(2), stdout + stderr);
        Assert.That(stderr, Does.Contain(option + " needs a value."));
        Assert.That(stdout, Is.Empty);
    }

    [Test]
    public async Task A_url_pointing_at_another_server_says_so_without_a_stack_trace()
    {
        await using var other = await LoopbackServer.StartAsync(async context =>
        {
            context.Response.ContentType = "text/html";
            await context.Response.WriteAsync("<html>not blubees</html>");
        });
        var (code, stdout, stderr) = await RunCliAsync(args: ["runs", "--url", other.Address.ToString(), "--data-dir", Path.GetTempPath()]);
        Assert.That(code, Is.EqualTo(2));
        Assert.That(stdout + stderr, Does.Contain("not JSON").Or.Contain("did not answer like a BluBees backend"));
        Assert.That(stdout + stderr, Does.Not.Contain("   at "), "no stack trace");
    }

    [Test]
    public async Task Errors_go_to_standard_error_so_standard_output_holds_only_results()
    {
        // A usage error, and a backend's ProblemDetails answer: both on stderr, nothing on stdout.
        var usage = await RunCliAsync(args: ["runs", "--url", "ftp://127.0.0.1/", "--data-dir", Path.GetTempPath()]);
        Assert.That(usage.Code, Is.EqualTo(2));
        Assert.That(usage.Stderr, Does.Contain("error:").And.Contain("--url must be an absolute"));
        Assert.That(usage.Stdout, Is.Empty);

        await using var backend = await LoopbackServer.StartAsync(async context =>
        {
            if (context.Request.Path == "/dev/token")
            {
                context.Response.ContentType = "application/json";
                await context.Response.WriteAsync("{\"token\":\"t\"}");
                return;
            }

            context.Response.StatusCode = 400;
            context.Response.ContentType = "application/problem+json";
            await context.Response.WriteAsync("{\"title\":\"Invalid request\",\"detail\":\"limit is wrong\",\"errors\":{\"limit\":[\"must be 1 to 100\"]}}");
        });
        var problem = await RunCliAsync(args: ["runs", "--url", backend.Address.ToString(), "--data-dir", Path.GetTempPath()]);
        Assert.That(problem.Code, Is.EqualTo(1));
        Assert.That(problem.Stderr, Does.Contain("400").And.Contain("limit is wrong").And.Contain("must be 1 to 100"));
        Assert.That(problem.Stdout, Is.Empty);
    }

    [Test]
    public void A_url_keeps_its_port_and_path_and_loses_a_trailing_slash()
    {
        Assert.That(BackendClient.ParseBaseUrl("http://127.0.0.1:5081/"), Is.EqualTo("http://127.0.0.1:5081"));
        Assert.That(BackendClient.ParseBaseUrl("https://blubees.example/prefix/"), Is.EqualTo("https://blubees.example/prefix"));
    }

    [Test]
    public void Json_output_is_readable_not_escaped()
    {
        var text = new JsonObject { ["summary"] = "a+b \"quoted\" • ünïcode <tag>" }.ToJsonString(Output.Pretty);
        Assert.That(text, Does.Contain("a+b \\\"quoted\\\" • ünïcode <tag>"));
        Assert.That(text, Does.Not.Contain("\\u"));
    }

    [Test]
    public void The_development_key_is_found_where_dotnet_run_keeps_it()
    {
        var root = Directory.CreateTempSubdirectory("blubees-cli-").FullName;
        try
        {
            Assert.That(BackendClient.FindDataDirectory(null, root), Is.Null, "no key anywhere");
            var runData = Path.Combine(root, "src", "BluBees.Api", ".data");
            using (DevTokenIssuer.LoadOrCreate(runData))
            {
            }

            Assert.That(BackendClient.FindDataDirectory(null, root), Is.EqualTo(runData));
            var local = Path.Combine(root, ".data");
            using (DevTokenIssuer.LoadOrCreate(local))
            {
            }

            Assert.That(BackendClient.FindDataDirectory(null, root), Is.EqualTo(local), ".data in the working directory wins");
            Assert.That(BackendClient.FindDataDirectory("/explicit", root), Is.EqualTo("/explicit"), "--data-dir wins over both");
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }

    [Test]
    public void A_connection_name_must_match_exactly_one_connection()
    {
        var byName = new[] { ("Sink", "conn_a"), ("sink", "conn_b"), ("AI", "conn_c") }.ToLookup(p => p.Item1, p => p.Item2, StringComparer.OrdinalIgnoreCase);
        Assert.That(ConfigCommands.ResolveConnection(byName, "ai"), Is.EqualTo("conn_c"));
        var ambiguous = Assert.Throws<CliException>(() => ConfigCommands.ResolveConnection(byName, "Sink"))!;
        Assert.That(ambiguous.Message, Does.Contain("conn_a").And.Contain("conn_b"));
        Assert.That(Assert.Throws<CliException>(() => ConfigCommands.ResolveConnection(byName, "Nope"))!.Message, Does.Contain("No connection named 'Nope'"));
    }

    [Test]
    public async Task The_dev_token_endpoint_honours_a_chunked_body()
    {
        await using var issuer = await TestIssuer.StartAsync();
        await using var backend = await BackendHost.StartAsync(issuer, new Dictionary<string, string?> { ["DevIssuer:Enabled"] = "true" });
        const string tenant = "ari:cloud:ecosystem::installation/00000000-0000-4000-8000-0000000chunk";
        using var content = new StreamContent(new MemoryStream(Encoding.UTF8.GetBytes($$"""{"tenantId":"{{tenant}}"}""")));
        content.Headers.ContentType = new("application/json");
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(backend.Address, "/dev/token")) { Content = content };
        request.Headers.TransferEncodingChunked = true;
        using var response = await backend.Client.SendAsync(request);
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK), await response.Content.ReadAsStringAsync());
        var token = JsonNode.Parse(await response.Content.ReadAsStringAsync())!["token"]!.GetValue<string>();
        var payload = Encoding.UTF8.GetString(Convert.FromBase64String(Pad(token.Split('.')[1])));
        Assert.That(payload, Does.Contain(tenant.Replace("/", "\\/", StringComparison.Ordinal)).Or.Contain(tenant), "the tenant in the body is the token's tenant");
    }

    [Test]
    public async Task Backup_files_that_cannot_be_read_or_written_are_clear_errors_without_a_stack_trace()
    {
        var dir = Directory.CreateTempSubdirectory("blubees-cli-backup-").FullName;
        try
        {
            var env = new Dictionary<string, string> { ["BLUBEES_TEST_PASSPHRASE"] = "correct horse battery" };
            var notBackup = Path.Combine(dir, "altered.bbk");
            await File.WriteAllTextAsync(notBackup, """{"format":"blubees-backup","version":1,"kdf":"PBKDF2-HMAC-SHA256","iterations":600000,"salt":"!!!","cipher":"AES-256-GCM","data":"x"}""");
            string[][] cases =
            [
                ["backup", "restore", "--in", Path.Combine(dir, "missing.bbk")],
                ["backup", "restore", "--in", dir],
                ["backup", "restore", "--in", notBackup],
                ["backup", "export", "--tenant", "ari:cloud:ecosystem::installation/none", "--out", Path.Combine(dir, "no-such-dir", "t.bbk")],
            ];
            foreach (var args in cases)
            {
                var (code, stdout, stderr) = await RunCliAsync(env, dir, [.. args, "--passphrase-env", "BLUBEES_TEST_PASSPHRASE", "--tenant", "t-restore", "--data-dir", Path.Combine(dir, ".data")]);
                Assert.That(code, Is.EqualTo(2), string.Join(' ', args) + ": " + stdout + stderr);
                Assert.That(stdout + stderr, Does.Contain("error:").And.Not.Contain("   at ").And.Not.Contain("Unhandled exception"), string.Join(' ', args));
            }
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Test]
    public async Task A_backup_header_asking_for_an_absurd_iteration_count_is_refused_before_deriving_a_key()
    {
        // The header is read before it is authenticated: an altered or corrupt one asking for 2^31 - 1 PBKDF2
        // iterations kept restore busy for the better part of an hour (here: past the 60 s the runner waits).
        var dir = Directory.CreateTempSubdirectory("blubees-cli-backup-").FullName;
        try
        {
            var env = new Dictionary<string, string> { ["BLUBEES_TEST_PASSPHRASE"] = "correct horse battery" };
            var file = Path.Combine(dir, "altered.bbk");
            var data = Convert.ToBase64String(new byte[64]);
            await File.WriteAllTextAsync(file, $$"""{"format":"blubees-backup","version":1,"kdf":"PBKDF2-HMAC-SHA256","iterations":2147483647,"salt":"AAAAAAAAAAAAAAAAAAAAAA==","cipher":"AES-256-GCM","data":"{{data}}"}""");
            var (code, stdout, stderr) = await RunCliAsync(env, dir, ["backup", "restore", "--in", file, "--passphrase-env", "BLUBEES_TEST_PASSPHRASE", "--tenant", "t-restore", "--data-dir", Path.Combine(dir, ".data")]);
            Assert.That(code, Is.EqualTo(2), stdout + stderr);
            Assert.That(stderr, Does.Contain("is not a BluBees backup file this version can read").And.Not.Contain("   at "), stderr);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [TestCase("sink", "abc")]
    [TestCase("sink", "99999")]
    [TestCase("jira", "abc")]
    [TestCase("jira", "0")]
    public async Task A_server_port_that_is_not_a_port_number_is_a_usage_error(string command, string port)
    {
        var (code, stdout, stderr) = await RunCliAsync(args: [command, "--port", port]);
        Assert.That(code, Is.EqualTo(2), stdout + stderr);
        Assert.That(stdout + stderr, Does.Contain($"--port must be a port number from 1 to 65535, not '{port}'").And.Not.Contain("   at ").And.Not.Contain("listening"));
    }

    [Test]
    public async Task An_error_naming_a_tenant_prints_its_id_unchanged()
    {
        var dir = Directory.CreateTempSubdirectory("blubees-cli-tenant-").FullName;
        try
        {
            const string tenant = "ari:cloud:ecosystem::installation/00000000-0000-4000-8000-00000000none";
            // An existing (empty) store: the export then looks the tenant up and names it in its error.
            Directory.CreateDirectory(Path.Combine(dir, ".data"));
            await File.WriteAllBytesAsync(Path.Combine(dir, ".data", "blubees.db"), []);
            var (code, stdout, stderr) = await RunCliAsync(new Dictionary<string, string> { ["BLUBEES_TEST_PASSPHRASE"] = "correct horse battery" }, dir,
                "backup", "export", "--tenant", tenant, "--out", Path.Combine(dir, "t.bbk"), "--passphrase-env", "BLUBEES_TEST_PASSPHRASE", "--data-dir", Path.Combine(dir, ".data"));
            Assert.That(code, Is.EqualTo(2));
            Assert.That(stdout + stderr, Does.Contain($"tenant '{tenant}' has no configuration"), "':cloud:' is text, not an emoji code");
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    private static string Pad(string base64Url)
    {
        var s = base64Url.Replace('-', '+').Replace('_', '/');
        return s.PadRight(s.Length + ((4 - (s.Length % 4)) % 4), '=');
    }
}
