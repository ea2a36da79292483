using BluBees.Engine.Crypto;
using NUnit.Framework;

namespace BluBees.Engine.Tests.Crypto;

/// <summary>
/// A full cache starts over (<see cref="SecretShareCache"/>: every entry removed and zeroed) while runs read shares from
/// it. A read that found an entry and copied it while the start-over zeroed it got zeros (or half a share) back: the
/// secret's key was derived from them, its decrypt failed as "authentication_failed", and the run failed, although the
/// share (and the secret) were there. A read now hands out a copy only of an entry still cached after the copy (an
/// entry is removed before it is zeroed), else nothing (its caller reads the file).
/// </summary>
public sealed class SecretShareCacheRaceTests
{
    [Test]
    public void A_read_racing_a_start_over_gets_the_share_or_nothing_never_zeroed_bytes()
    {
        var cache = new SecretShareCache();
        var share = Enumerable.Repeat((byte)0xAB, TenantKeyShares.Size).ToArray();
        var ids = Enumerable.Range(0, SecretShareCache.Capacity).Select(i => i.ToString("x32")).ToArray();
        foreach (var id in ids)
        {
            cache.Add("tenant", id, share, cache.Generation);
        }

        var torn = 0;
        var served = 0;
        using var stop = new CancellationTokenSource();
        var reader = Task.Run(() =>
        {
            for (var round = 0; round < 400 && torn == 0; round++)
            {
                foreach (var id in ids)
                {
                    if (cache.Find("tenant", id) is { } found)
                    {
                        served++;
                        if (!found.AsSpan().SequenceEqual(share))
                        {
                            torn++;
                        }
                    }
                }
            }

            stop.Cancel();
        });

        // Another process's secrets read meanwhile fill the cache, which starts over again and again.
        var next = 0;
        while (!stop.IsCancellationRequested)
        {
            var id = ids[next++ % ids.Length];
            cache.Add("tenant", id, share, cache.Generation);
            cache.Add("filler", next.ToString("x32"), share, cache.Generation);
        }

        reader.Wait();
        Assert.That(served, Is.GreaterThan(0), "control: reads were served from memory");
        Assert.That(torn, Is.Zero, "a read was handed zeroed bytes for a share that exists");
    }
}
