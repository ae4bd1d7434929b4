/**
 * The public API of netproto: {@link dev.netproto.api.Server}, {@link dev.netproto.api.Client}, messages, options
 * and error codes, plus the service-provider interfaces in {@code dev.netproto.api.spi} through which transports,
 * security, compression and metrics plug in.
 *
 * <p>This module depends on nothing but {@code java.base}, so that code written against it carries no
 * third-party types. The implementation ({@code dev.netproto.core}) is found at run time with
 * {@link java.util.ServiceLoader}.
 */
module dev.netproto.api {
    exports dev.netproto.api;
    exports dev.netproto.api.spi;

    uses dev.netproto.api.spi.EngineProvider;
}
