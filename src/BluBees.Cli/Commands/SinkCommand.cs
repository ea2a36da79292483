using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace BluBees.Cli.Commands;

/// <summary>
/// A loopback stand-in for a third-party API: answers 200 with a small JSON body and prints each request's
/// method, path, header names and body size, so a newcomer can watch a rule's call arrive.
/// </summary>
internal static class SinkCommand
{
    public static async Task<int> RunAsync(CliArgs cli)
    {
        var port = DevJiraCommand.PortOption(cli, 5090);
        var builder = LoopbackBuilder.Create();
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.WebHost.UseUrls($"http://127.0.0.1:{port}");
        var app = builder.Build();
        app.Run(async context =>
        {
            using var reader = new StreamReader(context.Request.Body);
            var body = await reader.ReadToEndAsync(context.RequestAborted);
            var headerNames = string.Join(", ", context.Request.Headers.Keys.Order(StringComparer.OrdinalIgnoreCase));
            Console.WriteLine($"{DateTimeOffset.UtcNow:HH:mm:ss} {context.Request.Method} {context.Request.Path}{context.Request.QueryString} — {body.Length} bytes; headers: {headerNames}");
            if (cli.Flag("show-body"))
            {
                Console.WriteLine("  " + body);
            }

            context.Response.ContentType = "application/json";
            await context.Response.WriteAsync("{\"received\":true}", context.RequestAborted);
        });
        Console.WriteLine($"Sink listening on http://127.0.0.1:{port} (Ctrl+C to stop). Add --show-body to print bodies.");
        await app.RunAsync();
        return 0;
    }
}
