using BluBees.Api.Tests.Cli;
using System.Diagnostics;
using BluBees.Api.Tests.Harness;
using BluBees.Cli;
using BluBees.Cli.Support;

namespace BluBees.Api.Tests.Support;

/// <summary><c>blubees support runs|run</c> against the running backend, in-process (plus one real process for dispatch).</summary>
public sealed class SupportCliTests : SupportFixture
{
    private const string TokenVariable = "BLUBEES_SUPPORT_TOKEN";

    private CliArgs Args(params string[] args) => new([.. args, "--url", Backend.Address.ToString()]);

    private static Func<string, string?> Env(string? token) => name => name == TokenVariable ? token : null;

    [Test]
    public async Task Runs_prints_a_table_of_the_tenants_runs()
    {
        var tenant = Samples.NewTenant();
        var runId = await CreateRunAsync(tenant);
        await GrantAsync(tenant);
        using var output = new StringWriter();

        var code = await SupportCommands.RunsAsync(Args("support", "runs", "--tenant", tenant, "--status", "succeeded", "--limit", "10", "--token-env", TokenVariable), output, Env(Idp.Mint()));

        Assert.That(code, Is.EqualTo(0), output.ToString());
        Assert.That(output.ToString(), Does.Contain(runId).And.Contain("succeeded").And.Contain("avi:jira:updated:issue"));
        var entry = (await AuditAsync(tenant)).Single()!;
        Assert.That(entry["query"]!["status"]!.GetValue<string>(), Is.EqualTo("succeeded"), "the CLI passes the filters through");
        Assert.That(entry["query"]!["limit"]!.GetValue<string>(), Is.EqualTo("10"));
    }

    [Test]
    public async Task Run_prints_the_run_as_json()
    {
        var tenant = Samples.NewTenant();
        var runId = await CreateRunAsync(tenant);
        await GrantAsync(tenant);
        using var output = new StringWriter();

        var code = await SupportCommands.RunAsync(Args("support", "run", runId, "--tenant", tenant, "--token-env", TokenVariable), output, Env(Idp.Mint()));

        Assert.That(code, Is.EqualTo(0), output.ToString());
        var run = System.Text.Json.Nodes.JsonNode.Parse(output.ToString())!;
        Assert.That(run["id"]!.GetValue<string>(), Is.EqualTo(runId));
        Assert.That(run["steps"]![0]!["statusCode"]!.GetValue<int>(), Is.EqualTo(200));
    }

    [Test]
    public async Task Without_a_grant_it_says_to_ask_the_tenant_admin()
    {
        using var output = new StringWriter();
        var code = await SupportCommands.RunsAsync(Args("support", "runs", "--tenant", Samples.NewTenant(), "--token-env", TokenVariable), output, Env(Idp.Mint()));
        Assert.That(code, Is.EqualTo(1));
        Assert.That(output.ToString(), Does.Contain("no active support grant for this tenant; ask the tenant admin to grant access"));
    }

    [Test]
    public async Task Its_errors_go_to_the_error_stream_and_leave_the_output_empty()
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var code = await SupportCommands.RunsAsync(Args("support", "runs", "--tenant", Samples.NewTenant(), "--token-env", TokenVariable), output, Env(Idp.Mint()), error: error);
        Assert.That(code, Is.EqualTo(1));
        Assert.That(error.ToString(), Does.Contain("error: no active support grant for this tenant"));
        Assert.That(output.ToString(), Is.Empty);
    }

    [Test]
    public async Task A_refused_token_says_to_sign_in_again_and_names_the_variable()
    {
        using var output = new StringWriter();
        var expired = Idp.Mint(now: DateTimeOffset.UtcNow.AddHours(-1));
        var code = await SupportCommands.RunAsync(Args("support", "run", "1700000000000-abcdefghij", "--tenant", Samples.NewTenant(), "--token-env", TokenVariable), output, Env(expired));
        Assert.That(code, Is.EqualTo(1));
        Assert.That(output.ToString(), Does.Contain("token was refused").And.Contain("expired").And.Contain(TokenVariable));
    }

    [Test]
    public async Task Missing_mfa_is_explained()
    {
        var tenant = Samples.NewTenant();
        await GrantAsync(tenant);
        using var output = new StringWriter();
        var code = await SupportCommands.RunsAsync(Args("support", "runs", "--tenant", tenant, "--token-env", TokenVariable), output, Env(Idp.Mint(c => c["amr"] = new System.Text.Json.Nodes.JsonArray("pwd"))));
        Assert.That(code, Is.EqualTo(1));
        Assert.That(output.ToString(), Does.Contain("multi-factor"));
    }

    [Test]
    public async Task An_old_mfa_sign_in_is_explained()
    {
        var tenant = Samples.NewTenant();
        await GrantAsync(tenant);
        using var output = new StringWriter();
        var token = Idp.Mint(c => c["auth_time"] = DateTimeOffset.UtcNow.AddHours(-3).ToUnixTimeSeconds());
        var code = await SupportCommands.RunsAsync(Args("support", "runs", "--tenant", tenant, "--token-env", TokenVariable), output, Env(token));
        Assert.That(code, Is.EqualTo(1));
        Assert.That(output.ToString(), Does.Contain("multi-factor sign-in is too old").And.Contain(TokenVariable));
    }

    [Test]
    public async Task A_token_on_the_command_line_is_refused_before_anything_is_sent()
    {
        var ex = await Assert.ThrowsAsync<CliException>(() => SupportCommands.RunsAsync(Args("support", "runs", "--tenant", "t", "--token", Idp.Mint()), TextWriter.Null, Env(null)));
        Assert.That(ex!.Message, Does.Contain("--token-env"));
    }

    [TestCase(null)]
    [TestCase("")]
    [TestCase("two words")]
    public async Task An_empty_token_variable_is_a_clear_error(string? value)
    {
        var ex = await Assert.ThrowsAsync<CliException>(() => SupportCommands.RunsAsync(Args("support", "runs", "--tenant", "t", "--token-env", TokenVariable), TextWriter.Null, Env(value)));
        Assert.That(ex!.Message, Does.Contain(TokenVariable));
    }

    [TestCase("127.0.0.1:5080")]
    [TestCase("notaurl")]
    public async Task A_url_that_is_not_absolute_http_is_a_clear_error(string url)
    {
        var ex = await Assert.ThrowsAsync<CliException>(() => SupportCommands.RunsAsync(new CliArgs(["support", "runs", "--tenant", "t", "--token-env", TokenVariable, "--url", url]), TextWriter.Null, Env(Idp.Mint())));
        Assert.That(ex!.Message, Does.Contain("--url must be an absolute http:// or https:// URL"));
    }

    [TestCase("http://support-backend.invalid:5080")]
    [TestCase("http://10.0.0.1")]
    public async Task A_plain_http_url_to_a_host_that_is_not_loopback_is_refused_before_the_token_is_sent(string url)
    {
        // The support token is a bearer credential for tenants' run logs: over plain http anyone on the path could replay it.
        var ex = await Assert.ThrowsAsync<CliException>(() => SupportCommands.RunsAsync(new CliArgs(["support", "runs", "--tenant", "t", "--token-env", TokenVariable, "--url", url]), TextWriter.Null, Env(Idp.Mint())));
        Assert.That(ex!.Message, Does.Contain("https://").And.Contain("loopback").And.Not.Contain("Cannot reach"));
    }

    /// <summary>
    /// A mistyped filter (<c>--stauts failed</c>, <c>--form</c>) was ignored: the tenant's runs were read unfiltered,
    /// more of the tenant's data than asked for, and the audit entry recorded a read without the filter.
    /// </summary>
    [Test]
    public async Task A_mistyped_option_is_refused_naming_it_before_anything_is_read()
    {
        var tenant = Samples.NewTenant();
        var runId = await CreateRunAsync(tenant);
        await GrantAsync(tenant);
        using var output = new StringWriter();

        var runs = await Assert.ThrowsAsync<CliException>(() => SupportCommands.RunsAsync(Args("support", "runs", "--tenant", tenant, "--stauts", "failed", "--token-env", TokenVariable), output, Env(Idp.Mint())));
        var run = await Assert.ThrowsAsync<CliException>(() => SupportCommands.RunAsync(Args("support", "run", runId, "--tenant", tenant, "--token-env", TokenVariable, "--jsn"), output, Env(Idp.Mint())));

        Assert.That(runs!.Message, Does.Contain("--stauts"));
        Assert.That(run!.Message, Does.Contain("--jsn"));
        Assert.That(output.ToString(), Is.Empty);
        Assert.That(await AuditAsync(tenant), Is.Empty, "nothing was read");
    }

    [Test]
    public async Task The_blubees_executable_dispatches_support_commands()
    {
        var (code, stdout, stderr) = await CliProcess.RunAsync(
            new Dictionary<string, string> { [TokenVariable] = Idp.Mint() }, null,
            "support", "runs", "--tenant", Samples.NewTenant(), "--token-env", TokenVariable, "--url", Backend.Address.ToString());

        Assert.That(code, Is.EqualTo(1), stderr);
        Assert.That(stderr, Does.Contain("no active support grant"), "errors go to standard error");
        Assert.That(stdout, Is.Empty);
    }
}
