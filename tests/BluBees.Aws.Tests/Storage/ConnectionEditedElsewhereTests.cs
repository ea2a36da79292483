using BluBees.Api.Tests.Concurrency;
using BluBees.Api.Tests.Harness;
using BluBees.Aws.Tests.Dynalite;
using BluBees.Engine.Connections;
using BluBees.Engine.Storage;
using Microsoft.Extensions.DependencyInjection;

namespace BluBees.Aws.Tests.Storage;

/// <summary>
/// A connection save based on a revision someone else saved over is refused (409 <c>connection_changed</c>, nothing
/// written) on the DynamoDB store too, and two saves based on the same revision, both held at their writes after their
/// revision check, store one: the refusal is the item's conditional write (a condition expression on its revision),
/// not the read before it. Api.Tests › Admin › ConnectionEditedElsewhereTests runs the same scenarios on SQLite.
/// </summary>
[TestFixture]
public sealed class ConnectionEditedElsewhereTests : DynamoBackendFixture
{
    protected override Action<IServiceCollection> Services => s =>
    {
        s.AddSingleton(sp => new HeldWrites(sp.GetRequiredService<IStore>()));
        s.AddSingleton(sp => ActivatorUtilities.CreateInstance<ConnectionService>(sp, sp.GetRequiredService<HeldWrites>()));
    };

    [Test]
    public Task A_save_based_on_an_older_revision_is_refused_and_keeps_the_other_change()
        => StaleConnectionEdits.StaleSaveIsRefusedAsync(Api, ThirdParty.Address);

    [Test]
    public Task Two_saves_based_on_the_same_revision_save_one_and_refuse_the_other()
        => StaleConnectionEdits.InterleavedSavesSaveOneAsync(Api, ThirdParty.Address, Api.Services.GetRequiredService<HeldWrites>());
}
