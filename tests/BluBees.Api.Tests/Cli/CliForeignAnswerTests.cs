using System.Text;
using BluBees.Api.Tests.Harness;
using BluBees.Engine.DevTokens;
using Microsoft.AspNetCore.Http;

namespace BluBees.Api.Tests.Cli;

/// <summary>
/// The CLI pointed (--url) at a server that is not a BluBees backend, which answers JSON of another shape: a root that is
/// not an object, a property named twice, a lone surrogate escape, error messages that are not lists, runs without their
/// fields. Each was an unhandled exception at the command's first read of the answer (a stack trace, exit 134); now it
/// is a one-line error naming --url (exit 2), or the answer shown as it came.
/// </summary>
public sealed class CliForeignAnswerTests
{
    /// <summary>Answers every request with <paramref name="status"/> and <paramref name="body"/> as application/json.</summary>
    private static Task<LoopbackServer> AnsweringAsync(int status, string body) => LoopbackServer.StartAsync(async context =>
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json";
        await context.Response.Body.WriteAsync(Encoding.UTF8.GetBytes(body), context.RequestAborted);
    });

    private static async Task<(int Code, string Output)> RunAgainstAsync(int status, string body, params string[] command)
    {
        await using var server = await AnsweringAsync(status, body);
        var directory = Directory.CreateTempSubdirectory("blubees-cli-foreign-").FullName;
        try
        {
            DevTokenIssuer.LoadOrCreate(directory).Dispose(); // the CLI signs its token locally, as beside a dev backend
            var (code, stdout, stderr) = await CliProcess.RunAsync([.. command, "--url", server.Address.ToString(), "--data-dir", directory]);
            return (code, stdout + stderr);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [TestCase(400, """{"title":"\ud800","status":400}""", "rule", "list")]
    [TestCase(200, """{"items":[{"id":"r1","name":"\udfff"}]}""", "rule", "list")]
    [TestCase(400, """{"errors":{"\ud800":["x"]}}""", "connection", "list")]
    [TestCase(400, """[1,2]""", "rule", "list")]
    [TestCase(404, """ "not found" """, "runs", "show", "r1")]
    [TestCase(200, """[]""", "runs")]
    [TestCase(400, """{"title":"a","title":"b"}""", "rule", "list")]
    [TestCase(200, """{"items":[],"items":[]}""", "runs")]
    [TestCase(200, """{"a":1,"a":2}""", "connection", "list")]
    public async Task An_answer_that_is_not_a_BluBees_answer_is_a_usage_error_naming_the_url(int status, string body, params string[] command)
    {
        var (code, output) = await RunAgainstAsync(status, body, command);

        Assert.That(output, Does.Not.Contain("Unhandled exception").And.Not.Contain("   at "), output);
        Assert.That(code, Is.EqualTo(2), output);
        Assert.That(output, Does.Contain("is it a BluBees backend? Check --url"), output);
    }

    [Test]
    public async Task Error_messages_that_are_not_a_list_are_printed_as_they_came()
    {
        var (code, output) = await RunAgainstAsync(400, """{"title":"Validation failed","errors":{"name":"not a list","steps[0]":{"x":1}}}""", "rule", "list");

        Assert.That(output, Does.Not.Contain("Unhandled exception").And.Not.Contain("   at "), output);
        Assert.That(code, Is.EqualTo(1), output);
        Assert.That(output, Does.Contain("name: not a list").And.Contain("steps[0]"), output);
    }

    [Test]
    public async Task Runs_without_their_fields_are_listed_with_dashes()
    {
        var (code, output) = await RunAgainstAsync(200, """{"items":[{"steps":5,"status":[1],"startedAt":{}},{"id":"run-2"}]}""", "runs");

        Assert.That(output, Does.Not.Contain("Unhandled exception").And.Not.Contain("   at "), output);
        Assert.That(code, Is.Zero, output);
        Assert.That(output, Does.Contain("run-2"), output);
    }
}
