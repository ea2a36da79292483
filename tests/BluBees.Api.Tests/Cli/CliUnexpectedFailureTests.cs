using BluBees.Cli;

namespace BluBees.Api.Tests.Cli;

/// <summary>
/// The CLI's last resort (<see cref="UnexpectedFailure"/>, the final catch of Program.cs): an exception no command
/// expected prints one line naming its type, exit 70, no stack trace and not its message (which can quote what the
/// command read); the details only when the operator asks for them.
/// </summary>
public sealed class CliUnexpectedFailureTests
{
    private const string Canary = "secret-canary-7f3a";

    [Test]
    public void An_unexpected_exception_is_one_line_naming_its_type_without_its_message_or_stack()
    {
        var lines = new List<string>();
        var code = UnexpectedFailure.Report(Thrown(), (prefix, text) => lines.Add(prefix + text), _ => null);

        Assert.Multiple(() =>
        {
            Assert.That(code, Is.EqualTo(70));
            Assert.That(lines, Has.Count.EqualTo(1));
            Assert.That(lines[0], Does.Contain("InvalidOperationException").And.Contain("BLUBEES_CLI_DEBUG=1"));
            Assert.That(lines[0], Does.Not.Contain(Canary), "the message may quote what the command read");
            Assert.That(lines[0], Does.Not.Contain(" at "), "no stack trace");
        });
    }

    [Test]
    public void With_the_debug_variable_the_details_follow()
    {
        var lines = new List<string>();
        UnexpectedFailure.Report(Thrown(), (prefix, text) => lines.Add(prefix + text), name => name == "BLUBEES_CLI_DEBUG" ? "1" : null);

        Assert.That(lines.Single(), Does.Contain(Canary).And.Contain(nameof(Thrown)));
    }

    private static InvalidOperationException Thrown()
    {
        try
        {
            throw new InvalidOperationException("quoted " + Canary);
        }
        catch (InvalidOperationException ex)
        {
            return ex;
        }
    }
}
