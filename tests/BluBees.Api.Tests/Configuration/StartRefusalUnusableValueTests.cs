using BluBees.Api.Infrastructure;
using BluBees.Api.Tests.Harness;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace BluBees.Api.Tests.Configuration;

/// <summary>
/// Values our validators never see, because they fail before: a number setting given text (the configuration binder
/// throws while it binds), and a key ring file that cannot be created where <c>Keys:LocalKeyFile</c> points. Both are
/// an operator's mistake and stop the start as a refusal naming the setting (exit 2, one line), not an unhandled
/// exception (exit 134, a stack trace).
/// </summary>
public sealed class StartRefusalUnusableValueTests
{
    [TestCase("Runs:WorkerConcurrency", "abc", "System.Int32")]
    [TestCase("Runs:WorkerConcurrency", "1.5", "System.Int32")]
    [TestCase("Egress:MaxResponseBytes", "99999999999999999999", "System.Int64")]
    public void A_value_that_does_not_convert_stops_the_start_naming_its_key(string key, string value, string type)
    {
        Assert.That(RefusalOf(new Dictionary<string, string?> { [key] = value }), Is.EqualTo($"Failed to convert configuration value '{value}' at '{key}' to type '{type}'."));
    }

    [Test]
    public void A_key_ring_file_that_cannot_be_created_stops_the_start_naming_the_setting()
    {
        // Below a regular file: no directory can be made there, whoever runs the test.
        var file = Path.GetTempFileName();
        try
        {
            var refusal = RefusalOf(new Dictionary<string, string?> { ["Keys:LocalKeyFile"] = Path.Combine(file, "keyring.json") });

            Assert.That(refusal, Does.StartWith("Keys:LocalKeyFile (env Keys__LocalKeyFile): cannot create or read the key ring file at '" + Path.Combine(file, "keyring.json") + "'"));
        }
        finally
        {
            File.Delete(file);
        }
    }

    /// <summary>The start's refusal message; "(started)" when it starts, "not a refusal: …" for an exception that ends the process unhandled.</summary>
    private static string RefusalOf(Dictionary<string, string?> settings)
    {
        settings["Forge:AppId"] = TestIssuer.AppId;
        settings["Storage:DataDirectory"] = Path.Combine(Path.GetTempPath(), "blubees-unusable-" + Guid.NewGuid().ToString("N"));
        try
        {
            var app = BluBeesApp.Create([], builder =>
            {
                builder.Configuration.AddInMemoryCollection(settings);
                builder.WebHost.UseUrls("http://127.0.0.1:0");
                builder.Logging.ClearProviders();
            });
            try
            {
                app.Services.GetRequiredService<Microsoft.Extensions.Options.IStartupValidator>().Validate();
                _ = app.Services.GetRequiredService<BluBees.Engine.Crypto.IKeyEncryptionProvider>();
                return "(started)";
            }
            finally
            {
                ((IDisposable)app).Dispose();
            }
        }
        catch (Exception ex)
        {
            return StartRefusal.MessageOf(ex) ?? $"not a refusal: {ex.GetType().Name}: {ex.Message}";
        }
        finally
        {
            if (Directory.Exists(settings["Storage:DataDirectory"]))
            {
                Directory.Delete(settings["Storage:DataDirectory"]!, recursive: true);
            }
        }
    }
}
