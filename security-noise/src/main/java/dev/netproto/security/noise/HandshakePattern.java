package dev.netproto.security.noise;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A handshake pattern of the Noise specification (revision 34, section 7), parsed from the specification's own
 * notation so that adding a pattern is adding its text:
 *
 * <pre>
 *   &lt;- s
 *   ...
 *   -&gt; e, es, s, ss
 *   &lt;- e, ee, se
 * </pre>
 *
 * <p>Lines before {@code ...} are pre-messages (public keys both sides know beforehand; only {@code s} is supported);
 * the rest are the messages, alternating from {@code ->} (initiator to responder). The parser enforces the
 * specification's validity rules (section 7.3) that concern key availability: a party sends each of {@code e} and
 * {@code s} at most once, each DH token appears at most once and only once both of its keys exist.
 *
 * <p>Immutable and thread-safe.
 */
final class HandshakePattern {
    /** The tokens of a message pattern. */
    enum Token {
        /** Ephemeral public key. */
        E,
        /** Static public key, encrypted once a key exists. */
        S,
        /** DH(initiator ephemeral, responder ephemeral). */
        EE,
        /** DH(initiator ephemeral, responder static). */
        ES,
        /** DH(initiator static, responder ephemeral). */
        SE,
        /** DH(initiator static, responder static). */
        SS
    }

    /**
     * The fundamental patterns of sections 7.4 (one-way) and 7.5 (interactive), in the specification's notation.
     */
    private static final Map<String, String> NOTATION = fundamentalPatterns();
    private static final Map<String, HandshakePattern> PATTERNS = parseAll();

    /** The pattern's name, such as {@code XX}. */
    final String name;
    /** Pre-message tokens of the initiator ({@code -> s}), possibly empty. */
    final Token[] initiatorPreMessage;
    /** Pre-message tokens of the responder ({@code <- s}), possibly empty. */
    final Token[] responderPreMessage;
    /** The message patterns; the initiator sends the even-numbered ones. */
    final Token[][] messages;

    private HandshakePattern(String name, Token[] initiatorPreMessage, Token[] responderPreMessage,
        Token[][] messages) {
        this.name = name;
        this.initiatorPreMessage = initiatorPreMessage;
        this.responderPreMessage = responderPreMessage;
        this.messages = messages;
    }

    /**
     * Finds a supported pattern by name.
     *
     * @param name a pattern name without modifiers, such as {@code XX}
     * @return the pattern, or null if it is not supported
     */
    static HandshakePattern byName(String name) {
        return PATTERNS.get(name);
    }

    /**
     * Returns the names of the supported patterns.
     *
     * @return the names, in the specification's order
     */
    static List<String> names() {
        return List.copyOf(PATTERNS.keySet());
    }

    /**
     * Whether only the initiator sends after the handshake: the one-way patterns of section 7.4 (N, K, X), whose
     * responder must never encrypt with its sending cipher state.
     *
     * @return true for a one-way pattern
     */
    boolean oneWay() {
        return messages.length == 1;
    }

    /**
     * Whether the pattern has the token in a pre-message or message sent by the given side.
     *
     * @param initiator the sending side
     * @param token     {@link Token#E} or {@link Token#S}
     * @return whether that side sends or pre-shares that key
     */
    boolean sends(boolean initiator, Token token) {
        for (Token t : initiator ? initiatorPreMessage : responderPreMessage) {
            if (t == token) {
                return true;
            }
        }
        for (int i = initiator ? 0 : 1; i < messages.length; i += 2) {
            for (Token t : messages[i]) {
                if (t == token) {
                    return true;
                }
            }
        }
        return false;
    }

    /**
     * Parses a pattern from the specification's notation.
     *
     * @param name     the pattern's name, for messages
     * @param notation lines of {@code ->} or {@code <-} followed by comma-separated tokens, with {@code ...} after
     *                 the pre-messages if there are any
     * @return the pattern
     * @throws IllegalArgumentException if the notation is malformed or breaks a validity rule
     */
    static HandshakePattern parse(String name, String notation) {
        String[] lines = notation.strip().split("\\s*\\n\\s*");
        int preEnd = -1;
        for (int i = 0; i < lines.length; i++) {
            if (lines[i].equals("...")) {
                preEnd = i;
            }
        }
        Token[] initiatorPre = new Token[0];
        Token[] responderPre = new Token[0];
        boolean[] haveKeys = new boolean[4];
        for (int i = 0; i < preEnd; i++) {
            boolean fromInitiator = direction(name, lines[i]);
            Token[] tokens = tokens(name, lines[i]);
            if (fromInitiator && (i != 0 || initiatorPre.length > 0) || !fromInitiator && responderPre.length > 0) {
                throw invalid(name, "pre-messages must be at most one '->' line then at most one '<-' line");
            }
            for (Token t : tokens) {
                if (t != Token.S) {
                    throw invalid(name, "pre-message token '" + t.name().toLowerCase() + "' is not supported");
                }
                haveKeys[keyIndex(fromInitiator, t)] = true;
            }
            if (fromInitiator) {
                initiatorPre = tokens;
            } else {
                responderPre = tokens;
            }
        }
        List<Token[]> messages = new ArrayList<>();
        boolean[] dhDone = new boolean[Token.values().length];
        for (int i = preEnd + 1; i < lines.length; i++) {
            boolean fromInitiator = direction(name, lines[i]);
            if (fromInitiator != (messages.size() % 2 == 0)) {
                throw invalid(name, "messages must alternate, starting with '->': " + lines[i]);
            }
            Token[] tokens = tokens(name, lines[i]);
            for (Token t : tokens) {
                switch (t) {
                    case E, S -> {
                        int k = keyIndex(fromInitiator, t);
                        if (haveKeys[k]) {
                            throw invalid(name, "a party sends '" + t.name().toLowerCase() + "' twice");
                        }
                        haveKeys[k] = true;
                    }
                    default -> {
                        if (dhDone[t.ordinal()]) {
                            throw invalid(name, "'" + t.name().toLowerCase() + "' appears twice");
                        }
                        boolean initiatorKey = haveKeys[keyIndex(true, t == Token.EE || t == Token.ES ? Token.E
                            : Token.S)];
                        boolean responderKey = haveKeys[keyIndex(false, t == Token.EE || t == Token.SE ? Token.E
                            : Token.S)];
                        if (!initiatorKey || !responderKey) {
                            throw invalid(name, "'" + t.name().toLowerCase() + "' before both of its keys exist");
                        }
                        dhDone[t.ordinal()] = true;
                    }
                }
            }
            messages.add(tokens);
        }
        if (messages.isEmpty()) {
            throw invalid(name, "no message patterns");
        }
        return new HandshakePattern(name, initiatorPre, responderPre, messages.toArray(new Token[0][]));
    }

    private static boolean direction(String name, String line) {
        if (line.startsWith("->")) {
            return true;
        }
        if (line.startsWith("<-")) {
            return false;
        }
        throw invalid(name, "a line must start with '->' or '<-': " + line);
    }

    private static Token[] tokens(String name, String line) {
        String rest = line.substring(2).strip();
        if (rest.isEmpty()) {
            throw invalid(name, "no tokens: " + line);
        }
        String[] parts = rest.split("\\s*,\\s*");
        Token[] tokens = new Token[parts.length];
        for (int i = 0; i < parts.length; i++) {
            tokens[i] = switch (parts[i]) {
                case "e" -> Token.E;
                case "s" -> Token.S;
                case "ee" -> Token.EE;
                case "es" -> Token.ES;
                case "se" -> Token.SE;
                case "ss" -> Token.SS;
                default -> throw invalid(name, "unknown token '" + parts[i] + "' in: " + line);
            };
        }
        return tokens;
    }

    private static int keyIndex(boolean initiator, Token key) {
        return (initiator ? 0 : 2) + (key == Token.E ? 0 : 1);
    }

    private static IllegalArgumentException invalid(String name, String problem) {
        return new IllegalArgumentException("invalid Noise handshake pattern " + name + ": " + problem);
    }

    private static Map<String, String> fundamentalPatterns() {
        Map<String, String> p = new LinkedHashMap<>();
        // Section 7.4, one-way patterns.
        p.put("N", """
            <- s
            ...
            -> e, es""");
        p.put("K", """
            -> s
            <- s
            ...
            -> e, es, ss""");
        p.put("X", """
            <- s
            ...
            -> e, es, s, ss""");
        // Section 7.5, interactive patterns.
        p.put("NN", """
            -> e
            <- e, ee""");
        p.put("NK", """
            <- s
            ...
            -> e, es
            <- e, ee""");
        p.put("NX", """
            -> e
            <- e, ee, s, es""");
        p.put("KN", """
            -> s
            ...
            -> e
            <- e, ee, se""");
        p.put("KK", """
            -> s
            <- s
            ...
            -> e, es, ss
            <- e, ee, se""");
        p.put("KX", """
            -> s
            ...
            -> e
            <- e, ee, se, s, es""");
        p.put("XN", """
            -> e
            <- e, ee
            -> s, se""");
        p.put("XK", """
            <- s
            ...
            -> e, es
            <- e, ee
            -> s, se""");
        p.put("XX", """
            -> e
            <- e, ee, s, es
            -> s, se""");
        p.put("IN", """
            -> e, s
            <- e, ee, se""");
        p.put("IK", """
            <- s
            ...
            -> e, es, s, ss
            <- e, ee, se""");
        p.put("IX", """
            -> e, s
            <- e, ee, se, s, es""");
        return Collections.unmodifiableMap(p);
    }

    private static Map<String, HandshakePattern> parseAll() {
        Map<String, HandshakePattern> parsed = new LinkedHashMap<>();
        NOTATION.forEach((name, notation) -> parsed.put(name, parse(name, notation)));
        return Collections.unmodifiableMap(parsed);
    }

    /**
     * Returns the notation a supported pattern was parsed from.
     *
     * @param name the pattern's name
     * @return its notation, or null if it is not supported
     */
    static String notation(String name) {
        return NOTATION.get(name);
    }
}
