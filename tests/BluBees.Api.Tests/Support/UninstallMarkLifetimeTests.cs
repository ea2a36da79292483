using BluBees.Api.Tests.Harness;
using BluBees.Api.Tests.Queue;
using BluBees.Engine.Storage;
using BluBees.Engine.Support;
using BluBees.Engine.Tenancy;
using Microsoft.Extensions.DependencyInjection;

namespace BluBees.Api.Tests.Support;

/// <summary>
/// The uninstall mark is what keeps support out of an installation whose partition delete was refused part way (a grant
/// left behind would otherwise open what else was left). A grant lasts up to a week, so the mark must outlast it: on
/// the store's own clock, a week and an hour after the uninstall the installation is still marked.
/// </summary>
public sealed class UninstallMarkLifetimeTests
{
    [Test]
    public async Task The_uninstall_mark_outlives_the_longest_support_grant()
    {
        await using var kit = QueueKit.Create();
        var marks = kit.Services.GetRequiredService<UninstalledInstallations>();
        var tenant = new TenantId(Samples.NewTenant());
        await marks.MarkAsync(tenant, CancellationToken.None);

        kit.Clock.Advance(TimeSpan.FromHours(SupportGrant.MaxHours) + TimeSpan.FromHours(1));
        Assert.That(await marks.IsMarkedAsync(tenant, CancellationToken.None), Is.True, "marked for as long as any grant can last");

        kit.Clock.Advance(TimeSpan.FromDays(1));
        Assert.That(await marks.IsMarkedAsync(tenant, CancellationToken.None), Is.False, "and then it expires by itself");
    }
}
