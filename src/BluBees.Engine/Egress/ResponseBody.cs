using System.Buffers;

namespace BluBees.Engine.Egress;

/// <summary>Buffering a (limited) body and copying response headers.</summary>
internal static class ResponseBody
{
    private const int ReadChunk = 16 * 1024;

    /// <summary>Reads to the end; <paramref name="body"/> (an <see cref="EgressResponseStream"/>) enforces the limits.</summary>
    public static async Task<byte[]> BufferAsync(Stream body, CancellationToken ct)
    {
        var buffer = new ArrayBufferWriter<byte>(ReadChunk);
        int n;
        while ((n = await body.ReadAsync(buffer.GetMemory(ReadChunk), ct)) > 0)
        {
            buffer.Advance(n);
        }

        return buffer.WrittenSpan.ToArray();
    }

    public static KeyValuePair<string, string>[] Headers(HttpResponseMessage response) =>
    [
        .. response.Headers.NonValidated.Concat(response.Content.Headers.NonValidated)
            .Where(h => !h.Key.StartsWith("Set-Cookie", StringComparison.OrdinalIgnoreCase))
            .Select(h => KeyValuePair.Create(h.Key, string.Join(", ", h.Value))),
    ];
}
