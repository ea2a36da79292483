using BluBees.Engine.Egress;
using Microsoft.Extensions.Options;

namespace BluBees.Engine.Tests.Egress;

/// <summary>Builds guarded clients for tests; disposing the kit disposes the guard (its connection pool).</summary>
internal sealed class EgressTestKit : IDisposable
{
    public EgressTestKit(EgressOptions options, FakeResolver? resolver = null)
    {
        Resolver = resolver ?? new FakeResolver();
        Guard = new EgressGuard(Options.Create(options), Resolver);
        Client = new GuardedHttpClient(Guard);
    }

    public FakeResolver Resolver { get; }

    public EgressGuard Guard { get; }

    public GuardedHttpClient Client { get; }

    /// <summary>What the integration tests use to reach loopback servers on random ports.</summary>
    public static EgressOptions LoopbackOptions() => new() { AllowHttp = true, AllowPrivateNetworks = true, AllowAnyPort = true };

    /// <summary>Default (blocking) address policy, but http and any port so the address check is what decides.</summary>
    public static EgressOptions BlockingOptions() => new() { AllowHttp = true, AllowAnyPort = true };

    public Task<EgressResponse> GetAsync(Uri url, params EgressHeader[] headers) =>
        Client.SendAsync(new EgressRequest(HttpMethod.Get, url) { Headers = headers }, CancellationToken.None);

    public Task<EgressResponse> GetAsync(string url, params EgressHeader[] headers) => GetAsync(new Uri(url), headers);

    public void Dispose() => Guard.Dispose();
}
