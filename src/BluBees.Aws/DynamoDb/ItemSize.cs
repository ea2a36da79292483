using System.Text;
using BluBees.Engine.Storage;

namespace BluBees.Aws.DynamoDb;

/// <summary>
/// DynamoDB refuses items above 400 KB, counted as UTF-8 bytes of attribute names and values. dynalite counts
/// UTF-16 code units instead and so accepts some items DynamoDB refuses; checking here makes tests on dynalite
/// fail exactly where production would, and with a clear message instead of a ValidationException.
/// </summary>
internal static class ItemSize
{
    public const int MaxBytes = 400 * 1024;

    // Attribute names (pk, sk, data, ttl, rev) plus two numbers of at most 21 bytes each.
    private const int Overhead = 14 + 2 * 21;

    public static void Check(StoreItem item)
    {
        var size = Encoding.UTF8.GetByteCount(item.Pk) + Encoding.UTF8.GetByteCount(item.Sk) + Encoding.UTF8.GetByteCount(item.Data) + Overhead;
        if (size > MaxBytes)
        {
            throw new StoreItemTooLargeException(size);
        }
    }
}

/// <summary>An item is larger than DynamoDB's 400 KB item limit. The message names sizes only, never content.</summary>
internal sealed class StoreItemTooLargeException(int size)
    : InvalidOperationException($"The item is {size} bytes; DynamoDB stores at most {ItemSize.MaxBytes} bytes per item.");
