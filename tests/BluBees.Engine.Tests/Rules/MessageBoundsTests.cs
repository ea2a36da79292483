using BluBees.Engine.Validation;
using NUnit.Framework;

namespace BluBees.Engine.Tests.Rules;

/// <summary>
/// Validation messages quote what the admin sent only as a short, printable excerpt (<see cref="ValidationErrors"/>):
/// a huge or hostile value in a field is never echoed whole, nor its line breaks or text-direction overrides.
/// </summary>
public sealed class MessageBoundsTests
{
    [Test]
    public void A_long_quoted_value_is_cut_to_a_short_excerpt()
    {
        var errors = new ValidationErrors();
        errors.Add("trigger.type", $"'{new string('x', 60_000)}' is not a trigger type: use event, schedule, manual or webhook");

        var message = errors.ToDictionary()["trigger.type"].Single();
        Assert.That(message, Is.EqualTo($"'{new string('x', ValidationErrors.MaxQuoted)}…' is not a trigger type: use event, schedule, manual or webhook"));
    }

    [Test]
    public void Control_and_direction_characters_are_replaced()
    {
        var errors = new ValidationErrors();
        errors.Add("steps[0].type", "'a\r\nX-Injected: 1\u202Egnp.exe\u2066' is not a step type: use one of 'http', 'jira'");

        var message = errors.ToDictionary()["steps[0].type"].Single();
        Assert.That(message, Is.EqualTo("'a??X-Injected: 1?gnp.exe?' is not a step type: use one of 'http', 'jira'"));
    }

    [Test]
    public void A_value_with_quotes_of_its_own_still_cannot_make_the_message_long()
    {
        var errors = new ValidationErrors();
        var hostile = "a'" + new string('y', 50_000) + "'b'" + new string('z', 50_000);
        errors.Add("method", $"'{hostile}' is not allowed: use one of GET, POST");

        var message = errors.ToDictionary()["method"].Single();
        Assert.That(message.Length, Is.LessThanOrEqualTo(ValidationErrors.MaxMessage + 1), "at most the message bound, never 100 KB");
        Assert.That(message, Does.Not.Contain(new string('z', 10)), "what lies past the bound is gone");
    }

    [Test]
    public void Our_own_messages_pass_unchanged()
    {
        var errors = new ValidationErrors();
        const string Ours = "'stauts' is not a field this step sets: use summary, description, labels or a custom field id";
        errors.Add("steps[0].fields", Ours);

        Assert.That(errors.ToDictionary()["steps[0].fields"].Single(), Is.EqualTo(Ours));
    }
}
