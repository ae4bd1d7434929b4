package dev.netproto.core;

import java.util.Arrays;
import java.util.function.Consumer;

/**
 * An open-addressing map from non-zero {@code int} keys to objects, with linear probing and backward-shift
 * deletion, so that lookups of request ids neither box nor allocate. Key 0 marks an empty slot (0 is never a
 * request id). Single-threaded.
 *
 * <p>The arrays are allocated by the first {@link #put} and dropped by {@link #drain}, so a map that is never used,
 * or no longer, costs only this object.
 *
 * @param <V> the value type
 */
final class IntObjectMap<V> {
    private static final int[] NO_KEYS = {};
    private static final Object[] NO_VALUES = {};

    private final int initialSlots;
    private int[] keys = NO_KEYS;
    private Object[] values = NO_VALUES;
    private int size;
    private int mask;

    IntObjectMap(int initialCapacity) {
        initialSlots = Integer.highestOneBit(Math.max(8, initialCapacity) * 2 - 1);
    }

    int size() {
        return size;
    }

    boolean containsKey(int key) {
        return get(key) != null;
    }

    @SuppressWarnings("unchecked")
    V get(int key) {
        if (size == 0) {
            return null;
        }
        for (int i = mix(key) & mask; ; i = (i + 1) & mask) {
            int k = keys[i];
            if (k == key) {
                return (V) values[i];
            }
            if (k == 0) {
                return null;
            }
        }
    }

    void put(int key, V value) {
        if (key == 0) {
            throw new IllegalArgumentException("key 0 is reserved");
        }
        if ((size + 1) * 2 > keys.length) {
            rehash(keys.length == 0 ? initialSlots : keys.length * 2);
        }
        for (int i = mix(key) & mask; ; i = (i + 1) & mask) {
            int k = keys[i];
            if (k == 0) {
                keys[i] = key;
                values[i] = value;
                size++;
                return;
            }
            if (k == key) {
                values[i] = value;
                return;
            }
        }
    }

    @SuppressWarnings("unchecked")
    V remove(int key) {
        if (size == 0) {
            return null;
        }
        for (int i = mix(key) & mask; ; i = (i + 1) & mask) {
            int k = keys[i];
            if (k == 0) {
                return null;
            }
            if (k == key) {
                V v = (V) values[i];
                size--;
                shiftBack(i);
                return v;
            }
        }
    }

    /** Visits every entry; the map must not be changed during the visit. */
    @SuppressWarnings("unchecked")
    void forEach(Entry<V> visitor) {
        for (int i = 0; i < keys.length; i++) {
            if (keys[i] != 0) {
                visitor.accept(keys[i], (V) values[i]);
            }
        }
    }

    /** Receives one entry. */
    @FunctionalInterface
    interface Entry<V> {
        void accept(int key, V value);
    }

    /** Removes every entry, handing each value to the consumer. */
    @SuppressWarnings("unchecked")
    void drain(Consumer<V> consumer) {
        Object[] old = values;
        int[] oldKeys = keys;
        keys = NO_KEYS;
        values = NO_VALUES;
        mask = 0;
        size = 0;
        for (int i = 0; i < old.length; i++) {
            if (oldKeys[i] != 0) {
                consumer.accept((V) old[i]);
            }
        }
    }

    private void shiftBack(int hole) {
        int i = hole;
        for (int j = (i + 1) & mask; keys[j] != 0; j = (j + 1) & mask) {
            int home = mix(keys[j]) & mask;
            // Move j into the hole if its home slot does not lie cyclically in (hole, j].
            boolean between = i <= j ? (home > i && home <= j) : (home > i || home <= j);
            if (!between) {
                keys[i] = keys[j];
                values[i] = values[j];
                i = j;
            }
        }
        keys[i] = 0;
        values[i] = null;
    }

    private void rehash(int capacity) {
        int[] oldKeys = keys;
        Object[] oldValues = values;
        keys = new int[capacity];
        values = new Object[capacity];
        mask = capacity - 1;
        size = 0;
        for (int i = 0; i < oldKeys.length; i++) {
            if (oldKeys[i] != 0) {
                @SuppressWarnings("unchecked")
                V v = (V) oldValues[i];
                put(oldKeys[i], v);
            }
        }
        Arrays.fill(oldValues, null);
    }

    private static int mix(int key) {
        int h = key * 0x9E3779B9;
        return h ^ (h >>> 16);
    }
}
