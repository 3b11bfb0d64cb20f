using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

namespace Dstack.Backends.Ssh;

/// <summary>
/// dstack's own pinned host keys, in OpenSSH's <c>known_hosts</c> format (<c>name key-type base64</c>), so that
/// <c>ssh -o UserKnownHostsFile=...</c> can read it too. A host's key is pinned on first contact and must match after.
/// </summary>
internal sealed class KnownHosts(string file)
{
    private readonly Lock _lock = new();

    /// <summary>Gets the file.</summary>
    public string File { get; } = file;

    /// <summary>
    /// Checks <paramref name="hostKey"/> (the SSH wire blob) for <paramref name="host"/>: pins it when the host has no key
    /// yet. Returns null when it may be trusted, else why not.
    /// </summary>
    public string? Check(SshHost host, byte[] hostKey)
    {
        ArgumentNullException.ThrowIfNull(host);
        ArgumentNullException.ThrowIfNull(hostKey);
        var type = KeyType(hostKey);
        var offered = Convert.ToBase64String(hostKey);
        lock (_lock)
        {
            var pinned = Read().Where(e => e.Name == host.KnownHostsName).ToList();
            if (pinned.Any(e => e.Key == offered))
            {
                return null;
            }

            if (pinned.Count > 0)
            {
                var was = string.Join(", ", pinned.Select(e => $"{e.Type} {Fingerprint(e.Key)}"));
                return $"The host key of {host.Id} has changed: pinned {was} in {File}, the host now offers {type} {Fingerprint(offered)}. "
                    + "This can mean someone is intercepting the connection, or that the host was reinstalled. dstack refuses the host; "
                    + $"if the change is expected, delete the line for {host.KnownHostsName} from {File}.";
            }

            Directory.CreateDirectory(Path.GetDirectoryName(File)!);
            System.IO.File.AppendAllText(File, $"{host.KnownHostsName} {type} {offered}\n");
            return null;
        }
    }

    /// <summary>Removes the keys pinned for <paramref name="host"/> (a new machine has its address now).</summary>
    public void Forget(SshHost host)
    {
        ArgumentNullException.ThrowIfNull(host);
        lock (_lock)
        {
            if (!System.IO.File.Exists(File))
            {
                return;
            }

            var kept = System.IO.File.ReadAllLines(File).Where(line => line.Split(' ', 2)[0] != host.KnownHostsName).ToList();
            System.IO.File.WriteAllLines(File, kept);
        }
    }

    /// <summary>Gets OpenSSH's fingerprint of a key (<c>SHA256:...</c>, base64 without padding).</summary>
    public static string Fingerprint(string base64Key) =>
        "SHA256:" + Convert.ToBase64String(SHA256.HashData(Convert.FromBase64String(base64Key))).TrimEnd('=');

    // The wire blob starts with the key type as an SSH string (a 4-byte big-endian length, then the bytes).
    private static string KeyType(byte[] blob) =>
        blob.Length >= 4 && BinaryPrimitives.ReadInt32BigEndian(blob) is var length and > 0 && length <= blob.Length - 4
            ? Encoding.ASCII.GetString(blob, 4, length)
            : "unknown";

    private List<(string Name, string Type, string Key)> Read()
    {
        if (!System.IO.File.Exists(File))
        {
            return [];
        }

        var entries = new List<(string, string, string)>();
        foreach (var line in System.IO.File.ReadAllLines(File))
        {
            var parts = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (parts.Length >= 3 && !parts[0].StartsWith('#'))
            {
                // One line may name several hosts, comma-separated, as OpenSSH allows.
                foreach (var name in parts[0].Split(','))
                {
                    entries.Add((name, parts[1], parts[2]));
                }
            }
        }

        return entries;
    }
}
