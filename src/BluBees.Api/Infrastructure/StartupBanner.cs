using BluBees.Api.Dev;
using BluBees.Engine.Crypto;
using BluBees.Engine.Egress;
using BluBees.Engine.Storage;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Options;

namespace BluBees.Api.Infrastructure;

/// <summary>On start: where the data lives and how to send a first event (development), in plain words.</summary>
internal static partial class StartupBanner
{
    public static WebApplication UseStartupBanner(this WebApplication app)
    {
        app.Lifetime.ApplicationStarted.Register(() =>
        {
            var logger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("BluBees");
            var storage = app.Services.GetRequiredService<IOptions<StorageOptions>>().Value;
            var keys = app.Services.GetRequiredService<IOptions<KeyOptions>>().Value;
            var egress = app.Services.GetRequiredService<IOptions<EgressOptions>>().Value;
            var addresses = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses ?? [];
            var url = addresses.FirstOrDefault() ?? "http://127.0.0.1:5080";
            LogListening(logger, string.Join(", ", addresses));
            if (storage.Provider == StorageProvider.Sqlite)
            {
                LogData(logger, storage.SqlitePath, keys.Provider == KeyProviderKind.LocalFile ? Path.GetFullPath(Path.Combine(storage.DataDirectory, keys.LocalKeyFile)) : "AWS KMS");
            }

            if (egress.AllowPrivateNetworks)
            {
                LogPrivateEgress(logger);
            }

            if (app.Services.GetRequiredService<IOptions<DevOptions>>().Value.Enabled)
            {
                Console.WriteLine(DevelopmentText(url, Path.GetFullPath(storage.DataDirectory)));
            }
        });
        return app;
    }

    /// <summary>
    /// The development hint: the README's "Send a first event" commands, each pointed at this backend. The sink comes
    /// first: <c>samples/connection.json</c> sends to it on port 5090, so without it the first run fails <c>refused</c>.
    /// </summary>
    internal static string DevelopmentText(string url, string dataDirectory) => $"""

        BluBees is running in development mode on {url}
          data directory : {dataDirectory}
          trusted tokens : the development issuer only (GET {url}/dev/jwks.json)
        Try it (from the repository root, in another terminal):
          dotnet run --project src/BluBees.Cli -- sink --port 5090 &
          dotnet run --project src/BluBees.Cli -- connection create samples/connection.json --url {url}
          dotnet run --project src/BluBees.Cli -- rule create samples/rule.json --url {url}
          dotnet run --project src/BluBees.Cli -- event send updated --url {url}
          dotnet run --project src/BluBees.Cli -- runs --url {url}

        """;

    [LoggerMessage(Level = LogLevel.Information, Message = "BluBees listening on {Addresses}")]
    private static partial void LogListening(ILogger logger, string addresses);

    [LoggerMessage(Level = LogLevel.Information, Message = "Embedded storage: SQLite at {DatabasePath}; key-encryption key file at {KeyFile}")]
    private static partial void LogData(ILogger logger, string databasePath, string keyFile);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Egress:AllowPrivateNetworks is on: rules may call private and loopback addresses. Never enable this in production.")]
    private static partial void LogPrivateEgress(ILogger logger);
}
