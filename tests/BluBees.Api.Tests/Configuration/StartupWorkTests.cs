using BluBees.Api.Infrastructure;
using BluBees.Api.Tests.Harness;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace BluBees.Api.Tests.Configuration;

/// <summary>
/// Start-up work the backend does not need is not done (issue 14, docs/benchmarks.md "Cold start"): no Data
/// Protection key ring is loaded or generated at start, and the OpenAPI generator is registered only where the
/// document is served. The real backend on Kestrel; controls show that each check can fail.
/// </summary>
public sealed class StartupWorkTests
{
    [Test]
    public async Task The_backend_starts_without_the_data_protection_hosted_service()
    {
        // Control: authentication registers Data Protection's hosted service under the name the backend removes.
        var plain = WebApplication.CreateSlimBuilder();
        plain.Services.AddAuthentication();
        Assert.That(plain.Services.Where(d => d.ServiceType == typeof(IHostedService)).Select(d => d.ImplementationType?.FullName),
            Does.Contain(StartupTrim.DataProtectionHostedService));

        await using var issuer = await TestIssuer.StartAsync();
        await using var backend = await BackendHost.StartAsync(issuer);
        var hosted = backend.Services.GetServices<IHostedService>().Select(s => s.GetType().FullName).ToList();
        Assert.Multiple(() =>
        {
            Assert.That(hosted, Is.Not.Empty, "the backend's own hosted services run");
            Assert.That(hosted, Has.None.Contains("DataProtection"));
        });
    }

    [Test]
    public async Task The_openapi_generator_is_registered_only_when_the_document_is_served()
    {
        // The generator's own entry point (internal to Microsoft.AspNetCore.OpenApi; the build-time document tool uses it).
        var provider = typeof(Microsoft.AspNetCore.OpenApi.OpenApiOptions).Assembly.GetType("Microsoft.Extensions.ApiDescriptions.IDocumentProvider", throwOnError: true)!;
        await using var issuer = await TestIssuer.StartAsync();
        await using var off = await BackendHost.StartAsync(issuer);
        await using var on = await BackendHost.StartAsync(issuer, new Dictionary<string, string?> { [OpenApiSetup.EnabledKey] = "true" });
        Assert.Multiple(async () =>
        {
            Assert.That(off.Services.GetService(provider), Is.Null);
            Assert.That(on.Services.GetService(provider), Is.Not.Null);
            Assert.That((await on.Client.GetAsync(OpenApiSetup.DocumentPath)).IsSuccessStatusCode, Is.True);
        });
    }

    [Test]
    public async Task Settings_files_are_read_once_and_not_watched()
    {
        // Control: the default builder reloads appsettings.json on change, which starts a recursive file watcher.
        var plain = WebApplication.CreateSlimBuilder(new WebApplicationOptions { ContentRootPath = AppContext.BaseDirectory });
        Assert.That(FileSources((IConfigurationRoot)plain.Configuration).Where(s => s.ReloadOnChange), Is.Not.Empty);

        await using var issuer = await TestIssuer.StartAsync();
        await using var backend = await BackendHost.StartAsync(issuer);
        var sources = FileSources((IConfigurationRoot)backend.Services.GetRequiredService<IConfiguration>());
        Assert.Multiple(() =>
        {
            Assert.That(sources.Select(s => s.Path), Does.Contain("appsettings.json"), "the settings file is still read");
            Assert.That(sources.Where(s => s.ReloadOnChange).Select(s => s.Path), Is.Empty);
        });
    }

    private static List<FileConfigurationSource> FileSources(IConfigurationRoot root)
        => root.Providers.OfType<FileConfigurationProvider>().Select(p => p.Source).ToList();
}
