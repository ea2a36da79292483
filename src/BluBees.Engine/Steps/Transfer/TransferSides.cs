using System.Text.Json.Nodes;
using BluBees.Engine.Connections;
using BluBees.Engine.Connections.Credentials;
using BluBees.Engine.Storage;
using BluBees.Engine.Templates;
using BluBees.Engine.Execution;

namespace BluBees.Engine.Steps.Transfer;

/// <summary>
/// One side of a transfer, rendered: the request, its connection, the credential it carries (to drop a rejected OAuth
/// token), the host its record names (configured only, see <see cref="StepHosts"/>) and why it could not be built.
/// </summary>
internal sealed record PreparedSide(PreparedRequest? Request, Connection? Connection, string? Category, string? Message)
{
    public Credential? Credential { get; init; }

    public string? Host { get; init; }
}

/// <summary>
/// Resolves a side's connection, gets its credential from the <see cref="ICredentialSource"/> (or its masked shape for
/// a preview) and renders the request with <see cref="RequestBuilder"/>, exactly as an <c>http</c> step would: an OAuth
/// 2.0 connection sends its access token, never its stored client secret or refresh token.
/// </summary>
internal sealed class TransferSides(ConnectionService connections, ICredentialSource credentials, TemplateLimits limits)
{
    public async Task<PreparedSide> PrepareAsync(TenantId tenantId, CompiledHttpStep side, JsonObject scope, bool preview, TimeSpan timeout, CancellationToken ct)
    {
        Connection? connection = null;
        Credential? credential = null;
        if (side.ConnectionId is not null)
        {
            connection = await connections.GetAsync(tenantId, side.ConnectionId, ct);
            if (connection is null)
            {
                return new PreparedSide(null, null, ErrorCategories.ConnectionMissing, $"connection '{side.ConnectionId}' does not exist");
            }

            if (preview)
            {
                credential = credentials.Masked(connection);
            }
            else
            {
                var result = await credentials.GetAsync(tenantId, connection, timeout, ct);
                if (result.Failed)
                {
                    return new PreparedSide(null, connection, result.Category, "the connection's credential is not available") { Host = StepHosts.Of(side, connection) };
                }

                credential = result.Credential;
            }
        }

        var (request, failure) = RequestBuilder.Build(side, connection, credential, scope, limits);
        var host = StepHosts.Of(side, connection);
        return request is null
            ? new PreparedSide(null, connection, failure!.Category, failure.Message) { Host = host }
            : new PreparedSide(request, connection, null, null) { Credential = credential, Host = host };
    }

    /// <summary>What a dry run shows of a side: method, URL and headers with every credential masked.</summary>
    public static (string Url, Dictionary<string, string> Headers) Masked(PreparedRequest request)
    {
        var headers = RequestBuilder.Preview(request.Headers);
        var url = request.Url.OriginalString.Replace(Uri.EscapeDataString(RequestBuilder.Mask), RequestBuilder.Mask, StringComparison.Ordinal);
        return (url, headers);
    }
}
