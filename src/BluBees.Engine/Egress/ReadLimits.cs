namespace BluBees.Engine.Egress;

/// <summary>Limits on reading one response body.</summary>
internal sealed record ReadLimits(long Cap, TimeSpan IdleTimeout, double MinBytesPerSecond, TimeSpan GracePeriod)
{
    public static ReadLimits From(EgressOptions options, long cap) =>
        new(cap, options.ReadIdleTimeout, options.MinResponseBytesPerSecond, options.MinRateGracePeriod);
}
