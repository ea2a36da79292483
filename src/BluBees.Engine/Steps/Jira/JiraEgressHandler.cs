using System.Net;
using BluBees.Engine.Egress;

namespace BluBees.Engine.Steps.Jira;

/// <summary>
/// The primary handler under the Refit Jira client: every request goes through <see cref="GuardedHttpClient"/>
/// (destination checks at connect time, scheme and port rules, response cap, timeout), with the Authorization
/// header marked as a credential. Egress failures are recorded on the call's <see cref="JiraCallTally"/> and
/// surface as an <see cref="HttpRequestException"/> whose message names at most the host.
/// </summary>
internal sealed class JiraEgressHandler(GuardedHttpClient http) : HttpMessageHandler
{
    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var tally = request.Options.TryGetValue(JiraCallTally.OptionsKey, out var t) ? t : new JiraCallTally(TimeSpan.FromSeconds(20), 1024 * 1024);
        var headers = request.Headers
            .Select(h => new EgressHeader(h.Key, string.Join(", ", h.Value), IsCredential: h.Key.Equals("Authorization", StringComparison.OrdinalIgnoreCase)))
            .ToList();
        byte[]? body = request.Content is null ? null : await request.Content.ReadAsByteArrayAsync(cancellationToken);
        var egress = new EgressRequest(request.Method, request.RequestUri!)
        {
            Headers = headers,
            Body = body,
            ContentType = request.Content?.Headers.ContentType?.ToString(),
            Timeout = tally.Timeout,
            MaxResponseBytes = tally.MaxResponseBytes,
            // Only Jira's answer to the call as sent says it was done: a redirect that would turn a write (or a search's
            // POST) into a GET is the answer instead, which the Jira steps fail as unexpected_status.
            Redirects = RedirectHandling.SameMethod,
            // A redirect out of the site (another origin, or a path outside its base URL) drops the system token.
            CredentialScope = request.Options.TryGetValue(JiraSiteScope.ScopeKey, out var scope) ? scope : null,
        };

        using var response = await http.SendAsync(egress, cancellationToken);
        tally.Sent = true;
        tally.Failure = response.Failure;
        tally.BytesOut += response.BytesOut;
        tally.BytesIn += response.BytesIn;
        if (!response.Completed || response.StatusCode is not { } status)
        {
            throw new HttpRequestException(response.Error);
        }

        var message = new HttpResponseMessage((HttpStatusCode)status)
        {
            RequestMessage = request,
            Content = new ByteArrayContent(response.Body.ToArray()),
        };
        foreach (var (name, value) in response.Headers)
        {
            if (!message.Headers.TryAddWithoutValidation(name, value))
            {
                message.Content.Headers.TryAddWithoutValidation(name, value);
            }
        }

        return message;
    }
}
