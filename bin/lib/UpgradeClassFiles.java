import java.io.IOException;
import java.io.OutputStream;
import java.lang.classfile.ClassFile;
import java.lang.classfile.ClassFileVersion;
import java.lang.classfile.ClassHierarchyResolver;
import java.lang.classfile.ClassModel;
import java.lang.classfile.ClassTransform;
import java.lang.classfile.CodeTransform;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import java.util.zip.ZipOutputStream;

/**
 * Run by bin/lib/prepare-launch on a copied runtime jar (java bin/lib/UpgradeClassFiles.java JAR):
 * rewrites every class file older than version 50 (Java 6) as version 52 with stack map frames,
 * computed by the JDK's class-file API, and leaves everything else byte for byte. Why: the AOT cache
 * refuses classes of version 49 or older ("Skipping ...: Old class has been linked", because they are
 * verified by the old type-inferring verifier), and picocli 4.7.7 ships as version 49, so its ~190
 * classes were loaded and verified from the jar at every start. The instructions, constant pool
 * entries and attributes of each method stay as they are; only the version and the frames change.
 * The jar is replaced through a temporary file and a rename; a jar with nothing to upgrade is left
 * untouched. Prints how many classes it rewrote.
 */
public final class UpgradeClassFiles {
    private UpgradeClassFiles() {
    }

    public static void main(String[] args) throws IOException {
        for (String a : args) {
            Path jar = Path.of(a);
            int n = upgrade(jar);
            System.out.println(jar.getFileName() + ": " + n + " class files upgraded to version 52");
        }
    }

    static int upgrade(Path jar) throws IOException {
        Path tmp = jar.resolveSibling("." + jar.getFileName() + ".upgrade");
        int upgraded = 0;
        try (URLClassLoader loader = new URLClassLoader(new URL[] {jar.toUri().toURL()}, null)) {
            // stack map frames need the common super class of two types: the JDK's own, then the jar's classes
            ClassFile cf = ClassFile.of(ClassFile.ClassHierarchyResolverOption.of(
                    ClassHierarchyResolver.defaultResolver().orElse(ClassHierarchyResolver.ofResourceParsing(loader))));
            ClassTransform toJava8 = ClassTransform.transformingMethodBodies(CodeTransform.ACCEPT_ALL)
                    .andThen((builder, element) -> {
                        if (element instanceof ClassFileVersion) {
                            builder.withVersion(ClassFile.JAVA_8_VERSION, 0);
                        } else {
                            builder.with(element);
                        }
                    });
            try (ZipInputStream in = new ZipInputStream(Files.newInputStream(jar));
                    OutputStream os = Files.newOutputStream(tmp);
                    ZipOutputStream out = new ZipOutputStream(os)) {
                for (ZipEntry e; (e = in.getNextEntry()) != null; ) {
                    byte[] b = in.readAllBytes();
                    if (e.getName().endsWith(".class") && !e.getName().startsWith("META-INF/")) {
                        ClassModel m = cf.parse(b);
                        if (m.majorVersion() < ClassFile.JAVA_6_VERSION) {
                            b = cf.transformClass(m, toJava8);
                            upgraded++;
                        }
                    }
                    ZipEntry o = new ZipEntry(e.getName());
                    o.setTime(e.getTime());
                    out.putNextEntry(o);
                    out.write(b);
                    out.closeEntry();
                }
            }
            if (upgraded == 0) {
                Files.delete(tmp);
            } else {
                Files.move(tmp, jar, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            }
            return upgraded;
        } finally {
            Files.deleteIfExists(tmp);
        }
    }
}
