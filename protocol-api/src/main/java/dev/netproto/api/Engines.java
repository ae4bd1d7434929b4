package dev.netproto.api;

import dev.netproto.api.spi.EngineProvider;
import java.util.ServiceLoader;

/** Finds the engine that implements the API, once. */
final class Engines {
    private Engines() {
    }

    static EngineProvider engine() {
        return Holder.ENGINE;
    }

    private static final class Holder {
        static final EngineProvider ENGINE = load();

        private static EngineProvider load() {
            return ServiceLoader.load(EngineProvider.class, Engines.class.getClassLoader()).findFirst()
                .orElseThrow(() -> new NetprotoException("no netproto engine found: add protocol-core"
                    + " (module dev.netproto.core) to the class or module path"));
        }
    }
}
