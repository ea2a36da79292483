using System.Text;
using System.Text.Json.Nodes;
using BluBees.Api.Tests.Harness;

namespace BluBees.Api.Tests.Contract;

/// <summary>What the edge input batteries share that needs no app: the canary, the answer check, small helpers.</summary>
internal static class EveryRouteEdgeInputHelpers
{
    internal static byte[] Utf8(string text) => Encoding.UTF8.GetBytes(text);

    internal static bool Matches(string template, string path)
        => System.Text.RegularExpressions.Regex.IsMatch(path, "^" + System.Text.RegularExpressions.Regex.Replace(template, "\\{[^}]+\\}", "[^/]+") + "$");

    internal static readonly string Canary = Samples.Canary("body");

    /// <summary>What is wrong with an answer (null: nothing): a 5xx, or a 4xx that is not a ProblemDetails in JSON, or one that echoes the canary.</summary>
    internal static async Task<string?> CheckAsync(HttpResponseMessage response)
    {
        var status = (int)response.StatusCode;
        var text = await response.Content.ReadAsStringAsync();
        if (text.Contains(Canary, StringComparison.Ordinal) && status >= 400)
        {
            return $"{status} echoes the body: {Cut(text)}";
        }

        if (status >= 500)
        {
            return $"{status} {Cut(text)}";
        }

        if (status < 400)
        {
            return null;
        }

        if (response.Content.Headers.ContentType?.MediaType != "application/json")
        {
            return $"{status} with content type {response.Content.Headers.ContentType?.MediaType}: {Cut(text)}";
        }

        JsonNode? problem;
        try
        {
            problem = JsonNode.Parse(text);
        }
        catch (System.Text.Json.JsonException)
        {
            return $"{status} body is not JSON: {Cut(text)}";
        }

        if (problem?["status"]?.GetValue<int>() != status || problem["title"] is null || problem["type"] is null)
        {
            return $"{status} is not a ProblemDetails: {Cut(text)}";
        }

        if (status == 400 && problem["errors"] is not JsonObject { Count: > 0 } && problem["detail"] is null)
        {
            return $"{status} names no field: {Cut(text)}";
        }

        return null;
    }

    internal static string Cut(string text) => text.Length > 300 ? text[..300] + "…" : text;
}
