using System.Buffers.Binary;
using System.IO.Compression;

namespace Proxy.Tests.Infrastructure;

/// <summary>
/// The pixels of a PNG as a browser writes a screenshot (8-bit RGB or RGBA, not interlaced): enough to ask what colour
/// a region of the page is, without an imaging library.
/// </summary>
internal sealed class PngImage
{
    private static readonly byte[] s_signature = [0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A];

    private readonly byte[] _pixels;
    private readonly int _channels;

    private PngImage(int width, int height, int channels, byte[] pixels)
    {
        Width = width;
        Height = height;
        _channels = channels;
        _pixels = pixels;
    }

    public int Width { get; }

    public int Height { get; }

    public (byte R, byte G, byte B) this[int x, int y]
    {
        get
        {
            var at = ((y * Width) + x) * _channels;
            return (_pixels[at], _pixels[at + 1], _pixels[at + 2]);
        }
    }

    public static PngImage Read(string path)
    {
        var file = File.ReadAllBytes(path);
        Assert.True(file.AsSpan().StartsWith(s_signature), $"{path} is a PNG");
        int width = 0, height = 0, channels = 0;
        using var compressed = new MemoryStream();
        for (var at = s_signature.Length; at + 8 <= file.Length;)
        {
            var length = BinaryPrimitives.ReadInt32BigEndian(file.AsSpan(at));
            var type = System.Text.Encoding.ASCII.GetString(file, at + 4, 4);
            var data = file.AsSpan(at + 8, length);
            if (type == "IHDR")
            {
                width = BinaryPrimitives.ReadInt32BigEndian(data);
                height = BinaryPrimitives.ReadInt32BigEndian(data[4..]);
                Assert.True(data[8] == 8 && data[12] == 0, "the PNG has 8-bit channels and is not interlaced");
                channels = data[9] switch
                {
                    2 => 3,
                    6 => 4,
                    _ => throw new NotSupportedException($"PNG colour type {data[9]}"),
                };
            }
            else if (type == "IDAT")
            {
                compressed.Write(data);
            }
            else if (type == "IEND")
            {
                break;
            }

            at += 12 + length;
        }

        compressed.Position = 0;
        using var inflated = new MemoryStream();
        using (var zlib = new ZLibStream(compressed, CompressionMode.Decompress))
        {
            zlib.CopyTo(inflated);
        }

        return new PngImage(width, height, channels, Unfilter(inflated.ToArray(), width, height, channels));
    }

    /// <summary>Undoes each scanline's filter (none, sub, up, average, Paeth), as the PNG specification defines them.</summary>
    private static byte[] Unfilter(byte[] data, int width, int height, int channels)
    {
        var stride = width * channels;
        var pixels = new byte[stride * height];
        for (var y = 0; y < height; y++)
        {
            var filter = data[y * (stride + 1)];
            var source = data.AsSpan((y * (stride + 1)) + 1, stride);
            var row = pixels.AsSpan(y * stride, stride);
            Span<byte> above = y == 0 ? new byte[stride] : pixels.AsSpan((y - 1) * stride, stride);
            for (var i = 0; i < stride; i++)
            {
                int left = i >= channels ? row[i - channels] : 0, up = above[i], upLeft = i >= channels ? above[i - channels] : 0;
                row[i] = (byte)(source[i] + filter switch
                {
                    0 => 0,
                    1 => left,
                    2 => up,
                    3 => (left + up) / 2,
                    4 => Paeth(left, up, upLeft),
                    _ => throw new NotSupportedException($"PNG filter {filter}"),
                });
            }
        }

        return pixels;
    }

    private static int Paeth(int left, int up, int upLeft)
    {
        var estimate = left + up - upLeft;
        int toLeft = Math.Abs(estimate - left), toUp = Math.Abs(estimate - up), toUpLeft = Math.Abs(estimate - upLeft);
        return toLeft <= toUp && toLeft <= toUpLeft ? left : toUp <= toUpLeft ? up : upLeft;
    }
}
