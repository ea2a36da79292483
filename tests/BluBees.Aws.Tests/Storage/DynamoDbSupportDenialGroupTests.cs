using BluBees.Aws.Tests.Dynalite;
using BluBees.Engine.Storage;
using BluBees.Engine.Tests.Storage;
using Microsoft.Extensions.Time.Testing;

namespace BluBees.Aws.Tests.Storage;

/// <summary>Denial groups against the DynamoDB store on dynalite (a fresh table per test).</summary>
[TestFixture]
public sealed class DynamoDbSupportDenialGroupTests : SupportDenialGroupTests
{
    private DynamoDbTable? _table;

    protected override IStore CreateStore(FakeTimeProvider time)
    {
        _table = DynamoDbTable.CreateAsync().GetAwaiter().GetResult();
        return _table.Store(time);
    }

    protected override void ReleaseStore()
    {
        if (_table is not null)
        {
            _table.Client.DeleteTableAsync(_table.Name).GetAwaiter().GetResult();
            _table.Dispose();
            _table = null;
        }
    }
}
