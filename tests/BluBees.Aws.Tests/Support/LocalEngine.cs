using BluBees.Aws.Composition;
using BluBees.Engine.Hosting;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace BluBees.Aws.Tests.Support;

/// <summary>Engine services over a fresh temporary data directory (SQLite + local key ring), plus the AWS registrations.</summary>
public sealed class LocalEngine : IAsyncDisposable
{
    private readonly ServiceProvider _provider;

    private LocalEngine(string directory, IConfiguration configuration, ServiceProvider provider)
    {
        DataDirectory = directory;
        Configuration = configuration;
        _provider = provider;
    }

    public string DataDirectory { get; }
    public IConfiguration Configuration { get; }
    public IServiceProvider Services => _provider;

    /// <param name="settings">Configuration beyond the data directory.</param>
    /// <param name="services">Registrations made before the engine's (a <c>TryAdd</c> of the engine keeps them).</param>
    /// <param name="overrides">Registrations made after the engine's (to replace or decorate one it adds unconditionally).</param>
    public static LocalEngine Create(IDictionary<string, string?>? settings = null, Action<IServiceCollection>? services = null, Action<IServiceCollection>? overrides = null)
    {
        var directory = Path.Combine(Path.GetTempPath(), "blubees-aws-tests", Guid.NewGuid().ToString("N"));
        var values = new Dictionary<string, string?> { ["Storage:DataDirectory"] = directory };
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            values[key] = value;
        }

        var configuration = new ConfigurationBuilder().AddInMemoryCollection(values).Build();
        var collection = new ServiceCollection().AddLogging().AddSingleton<IConfiguration>(configuration);
        services?.Invoke(collection);
        collection.AddBluBeesProviders(configuration);
        collection.AddBluBeesStorage(configuration);
        collection.AddBluBeesKeys(configuration);
        collection.AddBluBeesEngine(configuration);
        overrides?.Invoke(collection);
        return new LocalEngine(directory, configuration, collection.BuildServiceProvider());
    }

    public T Get<T>() where T : notnull => _provider.GetRequiredService<T>();

    public async ValueTask DisposeAsync()
    {
        await _provider.DisposeAsync();
        SqliteConnection.ClearAllPools();
        if (Directory.Exists(DataDirectory))
        {
            Directory.Delete(DataDirectory, recursive: true);
        }
    }
}
