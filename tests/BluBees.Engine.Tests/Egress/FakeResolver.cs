using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using BluBees.Engine.Egress;

namespace BluBees.Engine.Tests.Egress;

/// <summary>
/// A resolver for made-up names. Each name has a sequence of answers (the last one repeats), which is how
/// DNS rebinding is simulated. Unknown names fail as the system resolver would; nothing reaches real DNS.
/// </summary>
internal sealed class FakeResolver : IEgressResolver
{
    private readonly ConcurrentDictionary<string, string[][]> _answers = new(StringComparer.OrdinalIgnoreCase);
    private readonly ConcurrentDictionary<string, int> _calls = new(StringComparer.OrdinalIgnoreCase);
    private int _cancelled;

    public TimeSpan Delay { get; set; }

    public int TotalCalls => _calls.Values.Sum();

    /// <summary>Lookups whose <see cref="Delay"/> was cut by their cancellation token.</summary>
    public int Cancelled => Volatile.Read(ref _cancelled);

    public FakeResolver Map(string host, params string[] addresses)
    {
        _answers[host] = [addresses];
        return this;
    }

    public FakeResolver MapSequence(string host, params string[][] answers)
    {
        _answers[host] = answers;
        return this;
    }

    public int Calls(string host) => _calls.GetValueOrDefault(host);

    public async ValueTask<IPAddress[]> ResolveAsync(string host, CancellationToken ct)
    {
        var call = _calls.AddOrUpdate(host, 1, (_, n) => n + 1);
        if (Delay > TimeSpan.Zero)
        {
            try
            {
                await Task.Delay(Delay, ct);
            }
            catch (OperationCanceledException)
            {
                Interlocked.Increment(ref _cancelled);
                throw;
            }
        }

        return _answers.TryGetValue(host, out var answers)
            ? [.. answers[Math.Min(call, answers.Length) - 1].Select(IPAddress.Parse)]
            : throw new SocketException((int)SocketError.HostNotFound);
    }
}
