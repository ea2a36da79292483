using System.Text;
using System.Text.Json.Nodes;
using BluBees.Api.Tests.Harness;
using static BluBees.Api.Tests.Contract.EveryRouteEdgeInputHelpers;

namespace BluBees.Api.Tests.Contract;

/// <summary>The body parse errors of <see cref="EveryRouteEdgeInputFixture"/>: too deep, a byte order mark, a syntax error, each said as such on every route that reads a body.</summary>
public sealed class EveryRouteEdgeInputBodyErrorTests : EveryRouteEdgeInputFixture
{
    [TestCase("arrays", 65)]
    [TestCase("objects", 65)]
    [TestCase("arrays", 1000)]
    public async Task Nesting_past_the_limit_is_a_400_that_says_so_on_every_route_that_reads_a_body(string kind, int depth)
    {
        // It said "malformed JSON at line 1, position 69" of a well-formed document (docs/api.md: "nesting deeper than 64").
        var body = kind == "arrays"
            ? "{\"a\":" + new string('[', depth - 1) + new string(']', depth - 1) + "}"
            : string.Concat(Enumerable.Repeat("{\"a\":", depth)) + "1" + new string('}', depth);
        var failures = new List<string>();
        foreach (var route in ReadsBody.Order(StringComparer.Ordinal))
        {
            var (method, template) = (route.Split(' ')[0], route.Split(' ')[1]);
            using var request = Request(new HttpMethod(method), Fill(template), template == "/forge/uninstall" ? Samples.NewTenant() : Tenant);
            request.Content = new StringContent(body, Encoding.UTF8, "application/json");
            using var response = await Backend.Client.SendAsync(request);
            var text = await response.Content.ReadAsStringAsync();
            var messages = (int)response.StatusCode == 400 ? JsonNode.Parse(text)!["errors"]?.AsObject().SelectMany(e => e.Value!.AsArray().Select(m => m!.GetValue<string>())).ToList() ?? [] : [];
            if ((int)response.StatusCode == 413 && Encoding.UTF8.GetByteCount(body) > 4096)
            {
                continue;
            }

            if (!messages.Any(m => m.StartsWith("is nested deeper than 64 levels", StringComparison.Ordinal)))
            {
                failures.Add($"{route}: {(int)response.StatusCode} {Cut(text)}");
            }
        }

        Assert.That(failures, Is.Empty, string.Join("\n", failures));
    }

    [Test]
    public async Task A_body_that_starts_with_a_byte_order_mark_is_a_400_that_says_so_on_every_route_that_reads_a_body()
    {
        // It said "malformed JSON at line 1, position 1": true of the bytes, but not why (RFC 8259 §8.1: senders must not add one).
        var failures = new List<string>();
        foreach (var route in ReadsBody.Order(StringComparer.Ordinal))
        {
            var (method, template) = (route.Split(' ')[0], route.Split(' ')[1]);
            using var request = Request(new HttpMethod(method), Fill(template), template == "/forge/uninstall" ? Samples.NewTenant() : Tenant);
            request.Content = new ByteArrayContent([0xEF, 0xBB, 0xBF, .. Utf8("{\"name\":\"x\"}")]);
            request.Content.Headers.ContentType = new("application/json");
            using var response = await Backend.Client.SendAsync(request);
            var text = await response.Content.ReadAsStringAsync();
            var said = (int)response.StatusCode == 400 ? JsonNode.Parse(text)!["errors"]?["$"]?[0]?.GetValue<string>() : null;
            if (said?.StartsWith("starts with a byte order mark", StringComparison.Ordinal) != true)
            {
                failures.Add($"{route}: {(int)response.StatusCode} {Cut(text)}");
            }
        }

        Assert.That(failures, Is.Empty, string.Join("\n", failures));
    }

    [TestCase("{\"name\":\"x\"} x")]
    [TestCase("{\"zzz\":1}}")]
    [TestCase("{\"name\":\"x\",\"zzz\":1,")]
    public async Task A_syntax_error_after_an_unknown_or_any_property_names_the_document_not_that_property(string body)
    {
        // The trailing garbage of '{"name":"x"} x' was "name: malformed JSON" on the routes without a 'name' (a dry run, a
        // manual run, a grant): the serializer's stop at the unknown property, with the syntax error's position.
        var failures = new List<string>();
        foreach (var route in ReadsBody.Order(StringComparer.Ordinal))
        {
            var (method, template) = (route.Split(' ')[0], route.Split(' ')[1]);
            using var request = Request(new HttpMethod(method), Fill(template), template == "/forge/uninstall" ? Samples.NewTenant() : Tenant);
            request.Content = new StringContent(body, Encoding.UTF8, "application/json");
            using var response = await Backend.Client.SendAsync(request);
            var text = await response.Content.ReadAsStringAsync();
            var keys = (int)response.StatusCode == 400 ? JsonNode.Parse(text)!["errors"]?.AsObject().Select(e => e.Key).ToList() ?? [] : [];
            if (keys is not ["$"])
            {
                failures.Add($"{route}: {(int)response.StatusCode} {Cut(text)}");
            }
        }

        Assert.That(failures, Is.Empty, string.Join("\n", failures));
    }
}
