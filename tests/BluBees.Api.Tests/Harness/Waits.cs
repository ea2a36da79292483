using System.Runtime.CompilerServices;

namespace BluBees.Api.Tests.Harness;

/// <summary>
/// Polls for an asynchronous outcome (the worker runs after ingress answers), bounded. <see cref="UntilAsync{T}"/>
/// fails the test when the bound passes without the outcome, naming the condition and the last value seen: a wait
/// that ran out and returned quietly made a test slow instead of failing it, whenever its caller did not assert the
/// value (stop 40: a warm-up's wait ran to its 60 s bound in every case of a class, unnoticed until CI ran long).
/// <see cref="ForUpToAsync{T}"/> is for the wait whose running out is an outcome the caller asserts itself (watching
/// that something does not happen).
/// </summary>
public static class Waits
{
    public static readonly TimeSpan DefaultBound = TimeSpan.FromSeconds(20);

    public static async Task<T> UntilAsync<T>(
        Func<Task<T>> probe, Func<T, bool> done, TimeSpan? timeout = null,
        [CallerArgumentExpression(nameof(done))] string condition = "")
    {
        var bound = timeout ?? DefaultBound;
        var (value, reached) = await PollAsync(probe, done, bound);
        if (!reached)
        {
            Assert.Fail($"Waited {bound.TotalSeconds:0.#} s for `{condition}`; it never held. The last value seen: {Describe(value)}");
        }

        return value;
    }

    /// <summary>Polls until <paramref name="done"/> holds or <paramref name="timeout"/> passes, and returns the last value either way.</summary>
    public static async Task<T> ForUpToAsync<T>(Func<Task<T>> probe, Func<T, bool> done, TimeSpan timeout)
        => (await PollAsync(probe, done, timeout)).Value;

    private static async Task<(T Value, bool Reached)> PollAsync<T>(Func<Task<T>> probe, Func<T, bool> done, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        var value = await probe();
        while (!done(value))
        {
            if (DateTime.UtcNow >= deadline)
            {
                return (value, false);
            }

            await Task.Delay(25);
            value = await probe();
        }

        return (value, true);
    }

    private static string Describe<T>(T value)
    {
        var text = value switch
        {
            null => "null",
            System.Text.Json.Nodes.JsonNode node => node.ToJsonString(),
            System.Collections.IEnumerable items and not string => "[" + string.Join(", ", items.Cast<object?>().Take(20)) + "]",
            _ => value.ToString() ?? "",
        };
        return text.Length <= 600 ? text : text[..600] + "…";
    }
}
