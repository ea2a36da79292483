using BluBees.Api.Tests.Concurrency;
using BluBees.Api.Tests.Harness;
using BluBees.Engine.Connections;
using BluBees.Engine.Storage;
using Microsoft.Extensions.DependencyInjection;

namespace BluBees.Api.Tests.Admin;

/// <summary>
/// Two saves based on the same revision, both past their revision check and held at their writes (SQLite store): one is
/// saved, the other is the 409; the check is the conditional write (<c>UPDATE … WHERE revision = @r</c>), not the read.
/// </summary>
public sealed class ConnectionEditInterleavingTests : BackendFixture
{
    protected override Action<IServiceCollection> Services => s =>
    {
        s.AddSingleton(sp => new HeldWrites(sp.GetRequiredService<IStore>()));
        s.AddSingleton(sp => ActivatorUtilities.CreateInstance<ConnectionService>(sp, sp.GetRequiredService<HeldWrites>()));
    };

    [Test]
    public Task Two_saves_based_on_the_same_revision_save_one_and_refuse_the_other()
        => StaleConnectionEdits.InterleavedSavesSaveOneAsync(Backend, ThirdParty.Address, Backend.Services.GetRequiredService<HeldWrites>());
}
