using System.Diagnostics;
using System.Text.Json.Nodes;
using BluBees.Api.Tests.Harness;
using BluBees.Cli;

namespace BluBees.Api.Tests.Cli;

/// <summary>
/// <c>blubees rule create</c> and <c>connection create</c> given a file that is JSON but not a definition (an array, a
/// value, null, steps that are not objects): a usage error or the backend's 400, never an unhandled exception.
/// </summary>
public sealed class CliDefinitionFileTests
{
    private static async Task<(int Code, string Output)> RunCliAsync(params string[] args)
    {
        var (code, stdout, stderr) = await CliProcess.RunAsync(args);
        return (code, stdout + stderr);
    }

    [TestCase("rule", "[{\"name\":\"x\"}]")]
    [TestCase("rule", "\"a rule\"")]
    [TestCase("rule", "5")]
    [TestCase("rule", "null")]
    [TestCase("connection", "[]")]
    [TestCase("connection", "null")]
    public async Task A_file_whose_root_is_not_an_object_is_a_usage_error_without_a_stack_trace(string kind, string content)
    {
        var file = Path.Combine(Directory.CreateTempSubdirectory("blubees-cli-file-").FullName, "definition.json");
        await File.WriteAllTextAsync(file, content);
        try
        {
            // Nothing listens on port 9: the file is refused before any request is sent.
            var (code, output) = await RunCliAsync(kind, "create", file, "--url", "http://127.0.0.1:9");
            Assert.That(code, Is.EqualTo(2), output);
            Assert.That(output, Does.Contain("must hold one JSON object").And.Not.Contain("Unhandled exception").And.Not.Contain("   at "), output);
        }
        finally
        {
            Directory.Delete(Path.GetDirectoryName(file)!, recursive: true);
        }
    }

    [TestCase("rule", "{\"name\":\"a\",\"name\":\"b\",\"steps\":[]}")]
    [TestCase("rule", "{\"name\":\"a\",\"steps\":[{\"connection\":\"x\",\"connection\":\"y\"}]}")]
    [TestCase("connection", "{\"name\":\"a\",\"auth\":{\"type\":\"bearer\",\"type\":\"basic\"}}")]
    public async Task A_file_naming_a_property_twice_is_a_usage_error_without_a_stack_trace(string kind, string content)
    {
        var file = Path.Combine(Directory.CreateTempSubdirectory("blubees-cli-file-").FullName, "definition.json");
        await File.WriteAllTextAsync(file, content);
        try
        {
            // Nothing listens on port 9: the file is refused before any request is sent.
            var (code, output) = await RunCliAsync(kind, "create", file, "--url", "http://127.0.0.1:9");
            Assert.That(code, Is.EqualTo(2), output);
            Assert.That(output, Does.Contain("is not valid JSON").And.Not.Contain("Unhandled exception").And.Not.Contain("   at "), output);
        }
        finally
        {
            Directory.Delete(Path.GetDirectoryName(file)!, recursive: true);
        }
    }

    // A lone surrogate escape is valid JSON syntax but no text: the node read it lazily, and the command's first read of
    // it (the step's connection name, or writing the body to send) threw: a stack trace, exit 134.
    [TestCase("rule", "{\"name\":\"a\",\"steps\":[{\"type\":\"http\",\"connection\":\"\\udc00\"}]}", 1)]
    [TestCase("rule", "{\n\"name\": \"x\\ud800\",\n\"steps\": []\n}", 2)]
    [TestCase("rule", "{\"name\":\"a\",\"steps\":[],\n\n\"\\udfff\":1}", 3)]
    [TestCase("connection", "{\"name\":\"\\ud800\"}", 1)]
    [TestCase("connection", "{\"name\":\"a\",\"auth\":{\"type\":\"bearer\"},\n\"secret\":\"\\ud83d\\u0041\"}", 2)]
    public async Task A_file_with_a_lone_surrogate_escape_is_a_usage_error_naming_its_line_without_a_stack_trace(string kind, string content, int line)
    {
        var file = Path.Combine(Directory.CreateTempSubdirectory("blubees-cli-file-").FullName, "definition.json");
        await File.WriteAllTextAsync(file, content);
        try
        {
            // Nothing listens on port 9: the file is refused before any request is sent.
            var (code, output) = await RunCliAsync(kind, "create", file, "--url", "http://127.0.0.1:9");
            Assert.That(code, Is.EqualTo(2), output);
            Assert.That(output, Does.Contain($"has a string that is not text on line {line}").And.Not.Contain("Unhandled exception").And.Not.Contain("   at "), output);
        }
        finally
        {
            Directory.Delete(Path.GetDirectoryName(file)!, recursive: true);
        }
    }

    [TestCase("rule")]
    [TestCase("connection")]
    public async Task A_directory_given_as_the_file_is_named_as_a_directory_not_as_missing(string kind)
    {
        var dir = Directory.CreateTempSubdirectory("blubees-cli-file-").FullName;
        try
        {
            var (code, output) = await RunCliAsync(kind, "create", dir, "--url", "http://127.0.0.1:9");
            Assert.That(code, Is.EqualTo(2), output);
            Assert.That(output, Does.Contain("is a directory").And.Not.Contain("does not exist").And.Not.Contain("   at "), output);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Test]
    public async Task A_rule_file_with_steps_that_are_not_objects_reaches_the_backend_which_names_them()
    {
        await using var issuer = await TestIssuer.StartAsync();
        await using var backend = await BackendHost.StartAsync(issuer, new Dictionary<string, string?>
        {
            ["DevIssuer:Enabled"] = "true",
            ["Forge:AppId"] = BackendClient.DevAppId,
        });
        await using var sink = await ThirdPartyApi.StartAsync();
        var connection = Samples.Connection(sink.Address, "s3cret");
        connection["name"] = "Sink";
        var connectionFile = Path.Combine(backend.DataDirectory, "connection.json");
        await File.WriteAllTextAsync(connectionFile, connection.ToJsonString());
        Assert.That((await RunCliAsync("connection", "create", connectionFile, "--url", backend.Address.ToString(), "--data-dir", backend.DataDirectory)).Code, Is.Zero);

        // Steps that are not objects come first; the last names its connection (so the CLI resolves names).
        var rule = Samples.Rule("Sink", "Odd steps");
        rule["steps"]!.AsArray().Insert(0, 5);
        rule["steps"]!.AsArray().Insert(1, "jira.comment");
        var ruleFile = Path.Combine(backend.DataDirectory, "rule.json");
        await File.WriteAllTextAsync(ruleFile, rule.ToJsonString());

        var (code, output) = await RunCliAsync("rule", "create", ruleFile, "--url", backend.Address.ToString(), "--data-dir", backend.DataDirectory);
        Assert.That(output, Does.Not.Contain("Unhandled exception").And.Not.Contain("   at "), output);
        Assert.That(code, Is.EqualTo(1), "the backend refused the rule: " + output);
        Assert.That(output, Does.Contain("steps[0]"), output);
    }
}
