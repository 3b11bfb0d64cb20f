using System.IO.Compression;

namespace Dstack.EndToEnd.Tests;

/// <summary>Writes a minimal pure-Python wheel: there is no package index here, so requirements install from a local folder.</summary>
public static class WheelBuilder
{
    public static string Build(string folder, string package, string version, string moduleSource)
    {
        Directory.CreateDirectory(folder);
        var path = Path.Combine(folder, $"{package}-{version}-py3-none-any.whl");
        using var zip = ZipFile.Open(path, ZipArchiveMode.Create);
        var dist = $"{package}-{version}.dist-info";
        Add(zip, $"{package}/__init__.py", moduleSource);
        Add(zip, $"{dist}/METADATA", $"Metadata-Version: 2.1\nName: {package}\nVersion: {version}\n");
        Add(zip, $"{dist}/WHEEL", "Wheel-Version: 1.0\nGenerator: dstack-tests\nRoot-Is-Purelib: true\nTag: py3-none-any\n");
        Add(zip, $"{dist}/RECORD", $"{package}/__init__.py,,\n{dist}/METADATA,,\n{dist}/WHEEL,,\n{dist}/RECORD,,\n");
        return path;
    }

    private static void Add(ZipArchive zip, string name, string content)
    {
        using var writer = new StreamWriter(zip.CreateEntry(name).Open());
        writer.Write(content);
    }
}
