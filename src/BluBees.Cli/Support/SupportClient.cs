using System.Net.Http.Headers;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace BluBees.Cli.Support;

/// <summary>
/// Calls the backend's <c>/support</c> routes with a support token from the company identity provider. The token
/// is read from the environment variable named by <c>--token-env</c>, never from an argument (shell history).
/// </summary>
internal sealed class SupportClient : IDisposable
{
    private readonly HttpClient _http;
    private readonly string _token;

    public SupportClient(CliArgs cli, Func<string, string?> environment, HttpMessageHandler? handler = null)
    {
        if (cli.Flag("token") || cli.Option("token") is not null)
        {
            throw new CliException("Never pass a token as an argument: it lands in shell history. Put it in an environment variable and name it with --token-env VAR.");
        }

        TokenVariable = cli.Option("token-env") ?? throw new CliException("Missing --token-env VAR: the environment variable that holds your support token.");
        _token = environment(TokenVariable)?.Trim() is { Length: > 0 } token && !token.Any(char.IsWhiteSpace)
            ? token
            : throw new CliException($"The environment variable {TokenVariable} is not set or does not hold a token; export your support token (from the company identity provider) into it.");
        Tenant = cli.Option("tenant") ?? throw new CliException("Missing --tenant ID: the installation id of the tenant whose runs you need.");
        BaseUrl = SecureBaseUrl(BackendClient.ParseBaseUrl(cli.Option("url", environment("BLUBEES_URL") ?? "http://127.0.0.1:5080")));
        _http = handler is null ? new HttpClient(BackendClient.NoRedirects()) : new HttpClient(handler, disposeHandler: false);
        _http.Timeout = TimeSpan.FromSeconds(30);
        _http.MaxResponseContentBufferSize = BackendClient.MaxResponseBytes;
    }

    public string TokenVariable { get; }

    public string Tenant { get; }

    public string BaseUrl { get; }

    /// <summary>GET <c>/support/tenants/{tenant}/{relative}</c>; the status and the parsed body.</summary>
    public async Task<(int Status, JsonNode? Body)> GetAsync(string relative)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, $"{BaseUrl}/support/tenants/{Uri.EscapeDataString(Tenant)}/{relative}");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", _token);
        HttpResponseMessage response;
        try
        {
            response = await _http.SendAsync(request);
        }
        catch (HttpRequestException ex) when (ex.HttpRequestError == HttpRequestError.ConfigurationLimitExceeded)
        {
            throw BackendClient.TooLarge(BaseUrl, request);
        }
        catch (HttpRequestException ex)
        {
            throw new CliException($"Cannot reach the backend at {BaseUrl}: {ex.Message}");
        }

        BackendClient.RefuseRedirect(response, BaseUrl);

        using (response)
        {
            // An answer that is not a BluBees answer (BackendAnswer) reads as none: the command reports the status alone.
            var text = await response.Content.ReadAsStringAsync();
            return ((int)response.StatusCode, text.Length == 0 ? null : BackendAnswer.Parse(text));
        }
    }

    public void Dispose() => _http.Dispose();

    /// <summary>
    /// The support token is a bearer credential for tenants' run logs: it goes over https, or plain http to a loopback
    /// host only (a local backend), never in clear across a network. Checked before anything is sent.
    /// </summary>
    private static string SecureBaseUrl(string url)
    {
        var uri = new Uri(url);
        return uri.Scheme == Uri.UriSchemeHttps || uri.IsLoopback
            ? url
            : throw new CliException($"--url (or BLUBEES_URL) must use https:// for support commands: the support token would cross the network in clear. Plain http:// is accepted for a loopback host only (127.0.0.1, localhost), not '{url}'.");
    }
}
