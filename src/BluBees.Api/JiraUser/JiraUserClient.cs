using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using BluBees.Api.Permissions;
using BluBees.Engine.Json;
using BluBees.Engine.Tenancy;
using Microsoft.Extensions.Options;

namespace BluBees.Api.JiraUser;

/// <summary>How a read from Jira as the calling user went.</summary>
internal enum JiraReadStatus
{
    Ok,

    /// <summary>Jira answered 404: the thing does not exist, or the user may not see it (Jira does not say which).</summary>
    NotFound,

    /// <summary>Jira refused the user token (401/403), or the request carried none.</summary>
    Refused,

    /// <summary>No answer in time (headers and body), another error status (429, 5xx, 3xx…), or no usable Jira address.</summary>
    Unavailable,

    /// <summary>A 2xx whose body is not JSON that can be read whole (malformed, duplicate properties, invalid text) or is too large.</summary>
    Unreadable,
}

internal sealed record JiraRead(JiraReadStatus Status, JsonNode? Body);

/// <summary>
/// Reads from the tenant's Jira with the calling user's own token (<c>x-forge-oauth-user</c>), so Jira applies that
/// user's permissions (https://developer.atlassian.com/platform/forge/remote/essentials/). Same address rules as the
/// permission checks (the verified token's https <c>apiBaseUrl</c>, or <c>Jira:ApiBaseUrlOverride</c> in tests), same
/// timeout (<c>Jira:TimeoutSeconds</c>), no redirects. Answers are read up to <see cref="MaxBodyBytes"/> and never
/// logged; the token is never logged, stored or echoed.
/// </summary>
internal sealed partial class JiraUserClient(IHttpClientFactory factory, IOptions<JiraOptions> options, TimeProvider time, ILogger<JiraUserClient> logger)
{
    public const string HttpClientName = "jira-user";

    /// <summary>Well above a real issue or field list; Forge's invokeRemote answers carry at most 5 MB anyway.</summary>
    public const int MaxBodyBytes = 2 * 1024 * 1024;

    public Task<JiraRead> GetAsync(TenantContext tenant, string? userToken, string pathAndQuery, CancellationToken ct)
        => SendAsync(tenant, userToken, HttpMethod.Get, pathAndQuery, null, ct);

    /// <summary>A POST whose answer is a read (Jira's JQL parse): same rules as <see cref="GetAsync"/>.</summary>
    public Task<JiraRead> PostAsync(TenantContext tenant, string? userToken, string pathAndQuery, JsonNode body, CancellationToken ct)
        => SendAsync(tenant, userToken, HttpMethod.Post, pathAndQuery, body, ct);

    private async Task<JiraRead> SendAsync(TenantContext tenant, string? userToken, HttpMethod method, string pathAndQuery, JsonNode? body, CancellationToken ct)
    {
        if (string.IsNullOrWhiteSpace(userToken))
        {
            return new JiraRead(JiraReadStatus.Refused, null);
        }

        if (BaseUrl(tenant) is not { } baseUrl)
        {
            return new JiraRead(JiraReadStatus.Unavailable, null);
        }

        using var request = new HttpRequestMessage(method, new Uri(baseUrl + pathAndQuery));
        if (body is not null)
        {
            request.Content = new StringContent(body.ToJsonString(), System.Text.Encoding.UTF8, "application/json");
        }

        request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", userToken);
        request.Headers.Accept.ParseAdd("application/json");
        var client = factory.CreateClient(HttpClientName);
        // HttpClient.Timeout ends at the response headers (ResponseHeadersRead): a Jira whose body stalls or drips
        // would hold the request forever. One deadline covers the headers and the whole body.
        // On the injected clock (house style); HttpClient.Timeout, which bounds the headers, stays on real time.
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(options.Value.TimeoutSeconds), time);
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(ct, timeout.Token);
        try
        {
            using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, deadline.Token);
            var code = (int)response.StatusCode;
            LogRead(logger, pathAndQuery.Split('?')[0].Split('/').Take(5).Aggregate((a, b) => a + "/" + b), code);
            var status = code switch
            {
                >= 200 and < 300 => JiraReadStatus.Ok,
                (int)HttpStatusCode.NotFound => JiraReadStatus.NotFound,
                (int)HttpStatusCode.Unauthorized or (int)HttpStatusCode.Forbidden => JiraReadStatus.Refused,
                _ => JiraReadStatus.Unavailable,
            };
            if (status != JiraReadStatus.Ok)
            {
                return new JiraRead(status, null);
            }

            if (response.Content.Headers.ContentLength > MaxBodyBytes)
            {
                return new JiraRead(JiraReadStatus.Unreadable, null);
            }

            await using var stream = await response.Content.ReadAsStreamAsync(deadline.Token);
            using var limited = new MemoryStream();
            var buffer = new byte[81920];
            int read;
            while ((read = await stream.ReadAsync(buffer, deadline.Token)) > 0)
            {
                if (limited.Length + read > MaxBodyBytes)
                {
                    return new JiraRead(JiraReadStatus.Unreadable, null);
                }

                limited.Write(buffer, 0, read);
            }

            try
            {
                return new JiraRead(JiraReadStatus.Ok, Parse(limited.ToArray()));
            }
            catch (JsonException)
            {
                LogUnavailable(logger, nameof(JiraReadStatus.Unreadable));
                return new JiraRead(JiraReadStatus.Unreadable, null);
            }
        }
        catch (Exception ex) when (ex is HttpRequestException or OperationCanceledException && !ct.IsCancellationRequested)
        {
            // Only the type: messages can name hosts or quote the body.
            LogUnavailable(logger, ex.GetType().Name);
            return new JiraRead(JiraReadStatus.Unavailable, null);
        }
    }

    /// <summary>
    /// Jira's answer as a node, checked whole here: a node parses lazily, so a duplicate property (an
    /// <see cref="ArgumentException"/> when the object is first read) or a lone surrogate escape (a
    /// <see cref="JsonException"/> when the text is read or written) would otherwise surface later, in the caller, as a
    /// 500. Reading every property and string once settles both; either is a <see cref="JsonException"/> here.
    /// </summary>
    internal static JsonNode? Parse(byte[] body)
    {
        var node = JsonNode.Parse(Engine.Json.ResponseJson.WithoutByteOrderMark(body), JsonDefaults.NodeOptions, JsonDefaults.DocumentOptions);
        try
        {
            ReadWhole(node);
        }
        catch (Exception ex) when (ex is ArgumentException or InvalidOperationException or FormatException)
        {
            throw new JsonException("Jira answered JSON that cannot be read whole.", ex);
        }

        return node;
    }

    private static void ReadWhole(JsonNode? node)
    {
        switch (node)
        {
            case JsonObject obj:
                foreach (var (_, value) in obj) // enumerating decodes every property name (and finds duplicates)
                {
                    ReadWhole(value);
                }

                break;
            case JsonArray array:
                foreach (var item in array)
                {
                    ReadWhole(item);
                }

                break;
            case JsonValue value when value.GetValueKind() == JsonValueKind.String:
                _ = value.GetValue<string>();
                break;
        }
    }

    private string? BaseUrl(TenantContext tenant)
    {
        // The user's token goes to the site the Jira steps accept: https on an Atlassian host (or the test override).
        return Engine.Steps.Jira.JiraSite.Resolve(tenant.ApiBaseUrl, options.Value.ApiBaseUrlOverride) is { } baseUrl
            ? baseUrl.GetLeftPart(UriPartial.Path).TrimEnd('/')
            : null;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Jira read as the user {Path}: HTTP {StatusCode}")]
    private static partial void LogRead(ILogger logger, string path, int statusCode);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Jira read as the user failed: {ErrorType}")]
    private static partial void LogUnavailable(ILogger logger, string errorType);
}
