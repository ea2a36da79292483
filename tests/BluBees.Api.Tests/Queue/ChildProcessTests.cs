namespace BluBees.Api.Tests.Queue;

/// <summary>
/// The tests that run the real backend as a child process (<see cref="BackendProcess"/>) and kill or stop it: each test
/// gets a fresh data directory, deleted afterwards, and the same generous bound for the child's work (nothing is timed).
/// </summary>
public abstract class ChildProcessTests(string directoryPrefix)
{
    protected static readonly TimeSpan Generous = TimeSpan.FromSeconds(150);

    /// <summary>The test's data directory (under the system temp directory; deleted after the test).</summary>
    protected string DataDirectory { get; private set; } = null!;

    [SetUp]
    public void CreateDataDirectory()
        => DataDirectory = Path.Combine(Path.GetTempPath(), "blubees-tests", directoryPrefix + "-" + Guid.NewGuid().ToString("N"));

    [TearDown]
    public void DeleteDataDirectory()
    {
        try
        {
            Directory.Delete(DataDirectory, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
