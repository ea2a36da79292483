using System.Security.Cryptography;
using System.Text.Json.Nodes;
using BluBees.Engine.Connections;
using BluBees.Engine.Runs;
using BluBees.Engine.Templates;

namespace BluBees.Engine.Steps.Transfer;

/// <summary>One side of a transfer, rendered: the request, its connection (for metadata) and why it could not be built.</summary>
internal sealed record PreparedSide(PreparedRequest? Request, Connection? Connection, string? Category, string? Message);

/// <summary>
/// Resolves a side's connection, decrypts its secret just in time (or masks it for a preview) and renders the
/// request with <see cref="RequestBuilder"/>, exactly as an <c>http</c> step would.
/// </summary>
internal sealed class TransferSides(ConnectionService connections, TemplateLimits limits)
{
    public async Task<PreparedSide> PrepareAsync(string tenantId, CompiledHttpStep side, JsonObject scope, bool preview, CancellationToken ct)
    {
        Connection? connection = null;
        string? secret = null;
        if (side.ConnectionId is not null)
        {
            connection = await connections.GetAsync(tenantId, side.ConnectionId, ct);
            if (connection is null)
            {
                return new PreparedSide(null, null, ErrorCategories.ConnectionMissing, $"connection '{side.ConnectionId}' does not exist");
            }

            if (connection.SecretCiphertext is not null)
            {
                try
                {
                    secret = preview ? RequestBuilder.Mask : await connections.RevealSecretAsync(tenantId, connection, ct);
                }
                catch (CryptographicException)
                {
                    return new PreparedSide(null, connection, ErrorCategories.SecretUnavailable, "the connection's secret cannot be decrypted");
                }
            }
        }

        var (request, failure) = RequestBuilder.Build(side, connection, secret, scope, limits);
        return request is null
            ? new PreparedSide(null, connection, failure!.Category, failure.Message)
            : new PreparedSide(request, connection, null, null);
    }

    /// <summary>What a dry run shows of a side: method, URL and headers with every credential masked.</summary>
    public static (string Url, Dictionary<string, string> Headers) Masked(PreparedRequest request)
    {
        var headers = request.Headers.ToDictionary(h => h.Name, h => h.IsCredential ? RequestBuilder.Mask : h.Value, StringComparer.OrdinalIgnoreCase);
        var url = request.Url.OriginalString.Replace(Uri.EscapeDataString(RequestBuilder.Mask), RequestBuilder.Mask, StringComparison.Ordinal);
        return (url, headers);
    }
}
