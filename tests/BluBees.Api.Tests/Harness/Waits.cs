namespace BluBees.Api.Tests.Harness;

/// <summary>Polls for an asynchronous outcome (the worker runs after ingress answers), bounded.</summary>
public static class Waits
{
    public static async Task<T> UntilAsync<T>(Func<Task<T>> probe, Func<T, bool> done, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(20));
        var value = await probe();
        while (!done(value) && DateTime.UtcNow < deadline)
        {
            await Task.Delay(25);
            value = await probe();
        }

        return value;
    }
}
