using BluBees.Engine.Egress;
using NUnit.Framework;

namespace BluBees.Engine.Tests.Egress;

/// <summary>
/// A generous bound for tests that prove which mechanism ends a call: every other way the call could end is
/// configured far beyond it, so the guard firing means the mechanism under test did not work, and fails the test.
/// Never a pass condition on time: the guard only turns a would-be hang into a failure.
/// </summary>
internal static class HangGuard
{
    /// <summary>Far past every short limit the tests configure (at most about a second).</summary>
    public static readonly TimeSpan Bound = TimeSpan.FromSeconds(30);

    /// <summary>Far past <see cref="Bound"/>: the call's total timeout, when it is not the mechanism under test.</summary>
    public static readonly TimeSpan Never = TimeSpan.FromMinutes(10);

    /// <summary>Sends with the guard as the caller's token; the guard firing fails the test.</summary>
    public static async Task<EgressResponse> SendAsync(EgressTestKit kit, EgressRequest request)
    {
        using var guard = new CancellationTokenSource(Bound);
        try
        {
            return await kit.Client.SendAsync(request, guard.Token);
        }
        catch (OperationCanceledException) when (guard.IsCancellationRequested)
        {
            Assert.Fail($"The {Bound.TotalSeconds} s hang guard ended the call: the mechanism under test did not.");
            throw;
        }
    }
}
