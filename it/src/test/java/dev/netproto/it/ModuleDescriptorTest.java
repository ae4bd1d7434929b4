package dev.netproto.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.netproto.api.spi.CompressionProvider;
import dev.netproto.api.spi.EngineProvider;
import dev.netproto.api.spi.MetricsProvider;
import dev.netproto.api.spi.SecurityProvider;
import dev.netproto.api.spi.TransportProvider;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.lang.module.Configuration;
import java.lang.module.ModuleDescriptor;
import java.lang.module.ModuleFinder;
import java.lang.module.ModuleReader;
import java.lang.module.ModuleReference;
import java.lang.module.ResolvedModule;
import java.lang.reflect.Method;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.ServiceLoader;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Checks the JPMS side of the build: module names, no automatic modules under the API and core, the provides and
 * uses declarations, and that META-INF/services (the class-path route) names the same providers as module-info.
 * The module-path checks resolve our modules in a fresh {@link ModuleLayer}, which is what {@code java -p ... -m}
 * does.
 */
@Timeout(60)
class ModuleDescriptorTest {
    /** Maven artifact to JPMS module name, as DEVELOPERS.md and STYLE.md require. */
    private static final Map<String, String> MODULES = new LinkedHashMap<>();

    static {
        MODULES.put("protocol-api", "dev.netproto.api");
        MODULES.put("protocol-core", "dev.netproto.core");
        MODULES.put("security-noise", "dev.netproto.security.noise");
        MODULES.put("transport-nio", "dev.netproto.transport.nio");
        MODULES.put("transport-tls", "dev.netproto.transport.tls");
        MODULES.put("transport-local", "dev.netproto.transport.local");
        MODULES.put("pool", "dev.netproto.pool");
        MODULES.put("resilience", "dev.netproto.resilience");
        MODULES.put("metrics", "dev.netproto.metrics");
        MODULES.put("compression", "dev.netproto.compression");
    }

    private static List<Path> classPath() {
        List<Path> paths = new ArrayList<>();
        for (String entry : System.getProperty("java.class.path").split(File.pathSeparator)) {
            paths.add(Path.of(entry));
        }
        return paths;
    }

    /**
     * Our module's location on the test class path: its target/classes directory or jar when Maven resolved it in
     * the reactor, its jar in the local repository ({@code dev/netproto/<artifact>/...}) when the it module is built
     * alone ({@code -pl it}).
     */
    private static Path location(String artifact) {
        String reactor = File.separator + artifact + File.separator + "target" + File.separator;
        String repository = File.separator + String.join(File.separator, "dev", "netproto", artifact) + File.separator;
        return classPath().stream().filter(p -> p.toString().contains(reactor) || p.toString().contains(repository))
            .findFirst()
            .orElseThrow(() -> new AssertionError("artifact " + artifact + " is not on the test class path"));
    }

    private static Path dependency(String fileNamePrefix) {
        return classPath().stream().filter(p -> p.getFileName().toString().startsWith(fileNamePrefix)).findFirst()
            .orElseThrow(() -> new AssertionError(fileNamePrefix + " is not on the test class path"));
    }

    private static ModuleFinder runtimeFinder() {
        List<Path> paths = new ArrayList<>();
        MODULES.keySet().forEach(a -> paths.add(location(a)));
        paths.add(dependency("jctools-core"));
        paths.add(dependency("slf4j-api"));
        // Bound as slf4j's provider, so that what the layer's modules log is not dropped with a warning.
        paths.add(dependency("slf4j-simple"));
        paths.add(dependency("lz4-java"));
        paths.add(dependency("zstd-jni"));
        // transport-tls reads PEM files with BouncyCastle: org.bouncycastle.pkix needs .util and .provider.
        paths.add(dependency("bcprov-"));
        paths.add(dependency("bcpkix-"));
        paths.add(dependency("bcutil-"));
        return ModuleFinder.of(paths.toArray(Path[]::new));
    }

    private static ModuleDescriptor descriptor(String artifact) {
        Set<ModuleReference> found = ModuleFinder.of(location(artifact)).findAll();
        assertEquals(1, found.size(), artifact);
        return found.iterator().next().descriptor();
    }

    @Test
    void shouldNameEveryModuleAsDocumentedAndNoneAutomatic() {
        MODULES.forEach((artifact, name) -> {
            ModuleDescriptor d = descriptor(artifact);
            assertEquals(name, d.name(), artifact);
            assertFalse(d.isAutomatic(), artifact + " must have a module-info.java");
        });
    }

    @Test
    void shouldResolveTheApiAndBindCoreAndTcpWithoutAutomaticModules() {
        Configuration cf = ModuleLayer.boot().configuration()
            .resolveAndBind(runtimeFinder(), ModuleFinder.of(), Set.of("dev.netproto.api"));
        Set<String> resolved = cf.modules().stream().map(ResolvedModule::name).collect(Collectors.toSet());
        assertTrue(resolved.contains("dev.netproto.core"), "core is bound as the EngineProvider: " + resolved);
        assertTrue(resolved.contains("dev.netproto.transport.nio"), "tcp is bound as a TransportProvider");
        assertTrue(resolved.contains("dev.netproto.transport.local"), "unix is bound as a TransportProvider");
        assertTrue(resolved.contains("dev.netproto.transport.tls"), "tls is bound as a TransportProvider");
        assertTrue(resolved.containsAll(Set.of("org.bouncycastle.pkix", "org.bouncycastle.util",
            "org.bouncycastle.provider", "org.slf4j")), "tls brings what it requires: " + resolved);
        for (ResolvedModule m : cf.modules()) {
            if (m.name().equals("dev.netproto.api") || m.name().equals("dev.netproto.core")) {
                for (ResolvedModule read : m.reads()) {
                    assertFalse(read.reference().descriptor().isAutomatic(),
                        m.name() + " reads automatic module " + read.name());
                }
            }
        }
    }

    @Test
    void shouldFindTheTransportProvidersThroughTheModulePath() throws Exception {
        Configuration cf = ModuleLayer.boot().configuration()
            .resolveAndBind(runtimeFinder(), ModuleFinder.of(), Set.of("dev.netproto.api"));
        ModuleLayer layer = ModuleLayer.boot().defineModulesWithOneLoader(cf, ClassLoader.getPlatformClassLoader());
        ClassLoader loader = layer.findLoader("dev.netproto.api");
        Class<?> service = loader.loadClass(TransportProvider.class.getName());
        assertEquals("dev.netproto.api", service.getModule().getName(), "loaded from the layer, not the class path");
        Map<String, String> moduleByScheme = new HashMap<>();
        Method scheme = service.getMethod("scheme");
        for (Object provider : ServiceLoader.load(layer, service)) {
            moduleByScheme.put((String) scheme.invoke(provider), provider.getClass().getModule().getName());
        }
        assertEquals(Map.of("tcp", "dev.netproto.transport.nio", "unix", "dev.netproto.transport.local",
            "tls", "dev.netproto.transport.tls"), moduleByScheme);

        Class<?> security = loader.loadClass(SecurityProvider.class.getName());
        Method name = security.getMethod("name");
        Map<String, String> moduleBySecurity = new HashMap<>();
        for (Object provider : ServiceLoader.load(layer, security)) {
            moduleBySecurity.put((String) name.invoke(provider), provider.getClass().getModule().getName());
        }
        assertEquals("dev.netproto.transport.tls", moduleBySecurity.get("tls"), moduleBySecurity::toString);
        assertEquals("dev.netproto.core", moduleBySecurity.get("none"), moduleBySecurity::toString);
        assertEquals("dev.netproto.security.noise", moduleBySecurity.get("noise"), moduleBySecurity::toString);
    }

    @Test
    void shouldDeclareTheUsesAndProvidesOfTheSpi() {
        assertEquals(Map.of(TransportProvider.class.getName(),
                List.of("dev.netproto.transport.nio.TcpTransportProvider")),
            provides(descriptor("transport-nio")));
        assertEquals(Map.of(TransportProvider.class.getName(),
                List.of("dev.netproto.transport.local.UnixTransportProvider")),
            provides(descriptor("transport-local")));
        assertEquals(Map.of(SecurityProvider.class.getName(),
                List.of("dev.netproto.security.noise.NoiseSecurityProvider")),
            provides(descriptor("security-noise")));
        ModuleDescriptor tls = descriptor("transport-tls");
        assertEquals(Map.of(TransportProvider.class.getName(),
                List.of("dev.netproto.transport.tls.TlsTransportProvider"),
                SecurityProvider.class.getName(), List.of("dev.netproto.transport.tls.TlsSecurityProvider")),
            provides(tls));
        assertTrue(tls.requires().stream().anyMatch(r -> r.name().equals("dev.netproto.api")
            && r.modifiers().contains(ModuleDescriptor.Requires.Modifier.TRANSITIVE)),
            "the api's types are in transport-tls's signatures: " + tls.requires());
        assertEquals(Set.of("dev.netproto.transport.tls"), tls.exports().stream()
            .filter(e -> !e.isQualified()).map(ModuleDescriptor.Exports::source).collect(Collectors.toSet()));
        ModuleDescriptor core = descriptor("protocol-core");
        assertEquals(Set.of(TransportProvider.class.getName(), SecurityProvider.class.getName(),
                "dev.netproto.api.spi.CompressionProvider", MetricsProvider.class.getName()),
            core.uses());
        assertEquals(Set.of(EngineProvider.class.getName(), SecurityProvider.class.getName(),
            MetricsProvider.class.getName(), CompressionProvider.class.getName()),
            provides(core).keySet());
        assertEquals(Map.of(CompressionProvider.class.getName(),
                List.of("dev.netproto.compression.Lz4CompressionProvider",
                    "dev.netproto.compression.ZstdCompressionProvider")),
            provides(descriptor("compression")));
        assertTrue(core.exports().stream().allMatch(ModuleDescriptor.Exports::isQualified),
            "core exports no package to everyone, only qualified to benchmarks: " + core.exports());
        assertEquals(Set.of("dev.netproto.api", "dev.netproto.api.spi"),
            descriptor("protocol-api").exports().stream().map(ModuleDescriptor.Exports::source)
                .collect(Collectors.toSet()));
    }

    @Test
    void shouldListTheSameProvidersInMetaInfServicesAsInModuleInfo() throws IOException {
        for (String artifact : MODULES.keySet()) {
            ModuleReference ref = ModuleFinder.of(location(artifact)).findAll().iterator().next();
            Map<String, List<String>> declared = provides(ref.descriptor());
            Map<String, List<String>> listed = new HashMap<>();
            try (ModuleReader reader = ref.open()) {
                List<String> services = reader.list().filter(n -> n.startsWith("META-INF/services/")
                    && n.length() > "META-INF/services/".length()).toList();
                for (String file : services) {
                    Optional<InputStream> in = reader.open(file);
                    String text = new String(in.orElseThrow().readAllBytes(), StandardCharsets.UTF_8);
                    in.get().close();
                    listed.put(file.substring("META-INF/services/".length()), text.lines().map(String::strip)
                        .filter(l -> !l.isEmpty() && !l.startsWith("#")).toList());
                }
            }
            assertEquals(declared, listed, artifact + ": META-INF/services must match module-info provides");
        }
    }

    @Test
    void shouldFindTheProvidersOnTheClassPath() {
        assertEquals(Set.of("tcp", "unix", "tls"),
            Set.copyOf(names(TransportProvider.class, TransportProvider::scheme)));
        assertTrue(names(SecurityProvider.class, SecurityProvider::name).containsAll(List.of("none", "tls")),
            () -> names(SecurityProvider.class, SecurityProvider::name).toString());
        assertTrue(names(MetricsProvider.class, MetricsProvider::name).contains("noop"));
        assertEquals(Set.of("lz4", "zstd", "deflate"),
            Set.copyOf(names(CompressionProvider.class, CompressionProvider::name)));
        assertEquals(1, ServiceLoader.load(EngineProvider.class).stream().count());
        assertEquals(null, TransportProvider.class.getModule().getName(), "this test runs on the class path");
    }

    private static <T> List<String> names(Class<T> service, java.util.function.Function<T, String> name) {
        List<String> names = new ArrayList<>();
        ServiceLoader.load(service).forEach(p -> names.add(name.apply(p)));
        return names;
    }

    private static Map<String, List<String>> provides(ModuleDescriptor d) {
        Map<String, List<String>> map = new HashMap<>();
        for (ModuleDescriptor.Provides p : d.provides()) {
            map.put(p.service(), p.providers());
        }
        return map;
    }
}
