using BluBees.Engine.Storage;
using BluBees.Engine.Tests.Support;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace BluBees.Engine.Tests.Storage;

/// <summary>Denial groups against the embedded SQLite store.</summary>
public sealed class SqliteSupportDenialGroupTests : SupportDenialGroupTests
{
    private TempDirectory? _dir;

    protected override IStore CreateStore(FakeTimeProvider time)
    {
        _dir = new TempDirectory();
        return new SqliteStore(Options.Create(new StorageOptions { DataDirectory = _dir.Path }), time);
    }

    protected override void ReleaseStore() => _dir?.Dispose();
}
