using System.Text;

namespace Dstack.Core.Settings;

/// <summary>
/// A PEM document for TLS (a certificate, a CA bundle or a private key): a file, or text given inline (the
/// <c>*_data</c> keys of a <c>temporal.toml</c> profile). It prints as its path, never as its content, so a private key
/// given inline never reaches a log or a message.
/// </summary>
public sealed record PemSource
{
    private PemSource(string? path, string? text)
    {
        Path = path;
        Text = text;
    }

    /// <summary>Gets the file (absolute); null for inline text.</summary>
    public string? Path { get; }

    private string? Text { get; }

    /// <summary>A document read from <paramref name="path"/> when it is used.</summary>
    public static PemSource FromFile(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        return new PemSource(path, null);
    }

    /// <summary>A document given as text.</summary>
    public static PemSource FromText(string pem)
    {
        ArgumentException.ThrowIfNullOrEmpty(pem);
        return new PemSource(null, pem);
    }

    /// <summary>Reads the document's bytes (from its file, or the inline text as UTF-8).</summary>
    /// <exception cref="IOException">The file cannot be read.</exception>
    public byte[] ReadBytes() => Text is { } text ? Encoding.UTF8.GetBytes(text) : File.ReadAllBytes(Path!);

    /// <inheritdoc/>
    public override string ToString() => Path ?? "inline PEM";
}
