using BluBees.Engine.Crypto;
using BluBees.Engine.Storage;
using NUnit.Framework;

namespace BluBees.Engine.Tests.Crypto;

/// <summary>
/// An uninstall deletes the tenant's shares (<see cref="TenantKeyShares.Delete"/>: each secret's share, their directory,
/// the tenant's own) while a run in flight may still seal a rotated refresh token (its data key is deleted after the
/// shares). A share written between the listing of the directory and the directory's delete made the delete throw
/// (directory not empty): the uninstall failed with the tenant's own share, its data key and its items left. Now the
/// delete lists again until the directory is gone.
/// </summary>
public sealed class ShareDeleteRaceTests
{
    private static readonly TenantId Tenant = new("tenant-share-delete-race");

    [Test]
    public void Deleting_a_tenants_shares_while_a_secret_is_sealed_does_not_fail()
    {
        var directory = Path.Combine(Path.GetTempPath(), "blubees-share-race-" + Guid.NewGuid().ToString("N"));
        var shares = new TenantKeyShares(directory);
        try
        {
            var failures = new List<Exception>();
            for (var round = 0; round < 60 && failures.Count == 0; round++)
            {
                shares.GetOrCreate(Tenant);
                for (var i = 0; i < 8; i++)
                {
                    shares.CreateSecretShare(Tenant);
                }

                using var stop = new CancellationTokenSource();
                var sealer = Task.Run(() =>
                {
                    while (!stop.IsCancellationRequested)
                    {
                        try
                        {
                            shares.CreateSecretShare(Tenant);
                        }
                        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
                        {
                            // the directory went while this share was being written: the sealer's own failure (503)
                        }
                    }
                });
                try
                {
                    shares.Delete(Tenant);
                }
                catch (Exception ex)
                {
                    failures.Add(ex);
                }
                finally
                {
                    stop.Cancel();
                    sealer.Wait();
                }
            }

            Assert.That(failures.Select(f => f.GetType().Name), Is.Empty, "the tenant's shares were not deleted");
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }
}
