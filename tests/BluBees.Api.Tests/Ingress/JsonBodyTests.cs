using System.Text;
using BluBees.Api.Infrastructure;
using Microsoft.AspNetCore.Http;

namespace BluBees.Api.Tests.Ingress;

/// <summary>
/// <see cref="JsonBody"/> names the failing field from the exception's path and the target type's contract — at any
/// depth, inside arrays and dictionaries — and never repeats the value or an odd property name.
/// </summary>
public sealed class JsonBodyTests
{
    public sealed record Leaf(int Count, string? Label, bool? Enabled, Mode? Mode);

    public sealed record Branch(IReadOnlyList<Leaf>? Leaves, Leaf? Nested, Dictionary<string, string>? Tags, List<List<int>>? Grid);

    public sealed record Root(string? Name, Branch? Branch, IReadOnlyList<Branch>? Branches);

    public enum Mode
    {
        Fast,
        CarefulMode,
    }

    [TestCase("""{"branch":{"nested":{"count":"x"}}}""", "branch.nested.count", "has the wrong type: expected a whole number")]
    [TestCase("""{"branch":{"leaves":[{"count":1},{"count":true}]}}""", "branch.leaves[1].count", "has the wrong type: expected a whole number")]
    [TestCase("""{"branches":[{},{"leaves":[{"count":1,"extra":2}]}]}""", "branches[1].leaves[0].extra", "unknown property 'extra'")]
    [TestCase("""{"branch":{"leaves":{"count":1}}}""", "branch.leaves", "has the wrong type: expected an array")]
    [TestCase("""{"branch":{"leaves":[3]}}""", "branch.leaves[0]", "has the wrong type: expected an object")]
    [TestCase("""{"branch":{"tags":{"a":"b","c":1}}}""", "branch.tags.c", "has the wrong type: expected a string")]
    [TestCase("""{"branch":{"grid":[[1],[2,"x"]]}}""", "branch.grid[1][1]", "has the wrong type: expected a whole number")]
    [TestCase("""{"branch":{"nested":{"count":1,"enabled":"yes"}}}""", "branch.nested.enabled", "has the wrong type: expected true or false")]
    [TestCase("""{"branch":{"nested":{"count":1,"mode":"slow"}}}""", "branch.nested.mode", "has the wrong type: expected one of fast, carefulMode")]
    [TestCase("""{"name":{}}""", "name", "has the wrong type: expected a string")]
    [TestCase("""{"unknown":1}""", "unknown", "unknown property 'unknown'")]
    [TestCase("""{"branch":{"we ird.name":1}}""", "branch.(property)", "unknown property '(property)'")]
    [TestCase("""{"branch":{"nested":{"count":1}}, "name": [}""", "name", "malformed JSON at line 1, position 44")]
    public async Task A_bad_body_is_400_naming_the_field(string body, string field, string message)
    {
        var errors = await ErrorsAsync<Root>(body);

        Assert.That(errors.Keys, Is.EqualTo(new[] { field }));
        Assert.That(errors[field], Is.EqualTo(new[] { message }));
    }

    /// <summary>A step is read into its kind's record by a converter; errors inside it are still named by their full path and the record's contract.</summary>
    [TestCase("""{"steps":[{"id":"a","type":"http","timeoutSeconds":"ten"}]}""", "steps[0].timeoutSeconds", "has the wrong type: expected a whole number")]
    [TestCase("""{"steps":[{"timeoutSeconds":1,"id":"a","type":"http","retries":3}]}""", "steps[0].retries", "unknown property 'retries'")]
    [TestCase("""{"steps":[{"id":"b","type":"if","then":[{"id":"s","type":"jira.search","maxResults":"9"}]}]}""", "steps[0].then[0].maxResults", "has the wrong type: expected a whole number")]
    [TestCase("""{"steps":[{"id":"e","type":"forEach","steps":[{"id":"x"},{"id":"t","type":"transfer","source":{"url":"x","body":1}}]}]}""", "steps[0].steps[1].source.body", "unknown property 'body'")]
    [TestCase("""{"steps":[{"id":"x","type":5}]}""", "steps[0].type", "has the wrong type: expected a string")]
    [TestCase("""{"steps":[{"id":"x","type":"graphql","retries":1}]}""", "steps[0].retries", "unknown property 'retries'")]
    [TestCase("""{"steps":[3]}""", "steps[0]", "has the wrong type: expected an object")]
    public async Task A_bad_step_is_400_naming_the_field_through_its_kind(string body, string field, string message)
    {
        var errors = await ErrorsAsync<BluBees.Engine.Rules.RuleDefinition>(body);

        Assert.That(errors.Keys, Is.EqualTo(new[] { field }));
        Assert.That(errors[field], Is.EqualTo(new[] { message }));
    }

    [Test]
    public async Task A_root_of_the_wrong_kind_is_named_as_the_body()
    {
        var errors = await ErrorsAsync<Root>("[1,2]");

        Assert.That(errors.Keys, Is.EqualTo(new[] { "$" }));
    }

    [Test]
    public async Task An_error_never_repeats_the_value_sent()
    {
        var errors = await ErrorsAsync<Root>("""{"branch":{"nested":{"count":"s3cr3t-value"}}}""");

        Assert.That(string.Join(" ", errors.SelectMany(e => e.Value.Prepend(e.Key))), Does.Not.Contain("s3cr3t"));
    }

    private static async Task<IDictionary<string, string[]>> ErrorsAsync<T>(string body)
        where T : class
    {
        var context = new DefaultHttpContext();
        var bytes = Encoding.UTF8.GetBytes(body);
        context.Request.ContentType = "application/json";
        context.Request.ContentLength = bytes.Length;
        context.Request.Body = new MemoryStream(bytes);

        var (value, problem) = await JsonBody.ReadAsync<T>(context.Request);

        Assert.That(value, Is.Null, "the body was refused");
        Assert.That(problem, Is.InstanceOf<IStatusCodeHttpResult>().With.Property(nameof(IStatusCodeHttpResult.StatusCode)).EqualTo(400));
        var details = (problem as IValueHttpResult)?.Value as HttpValidationProblemDetails;
        Assert.That(details, Is.Not.Null, "a validation problem");
        return details!.Errors;
    }
}
