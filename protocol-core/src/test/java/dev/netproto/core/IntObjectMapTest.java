package dev.netproto.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(30)
class IntObjectMapTest {
    @Test
    void shouldBehaveLikeAHashMapUnderRandomOperations() {
        Random random = new Random(1);
        IntObjectMap<String> map = new IntObjectMap<>(4);
        Map<Integer, String> expected = new HashMap<>();
        for (int i = 0; i < 200_000; i++) {
            // A small key range forces collisions, clusters and backward shifts.
            int key = random.nextInt(512) + 1;
            switch (random.nextInt(3)) {
                case 0 -> {
                    map.put(key, "v" + i);
                    expected.put(key, "v" + i);
                }
                case 1 -> assertEquals(expected.remove(key), map.remove(key), "remove " + key);
                default -> assertEquals(expected.get(key), map.get(key), "get " + key);
            }
            assertEquals(expected.size(), map.size());
        }
        for (int key = 1; key <= 512; key++) {
            assertEquals(expected.get(key), map.get(key));
        }
    }

    @Test
    void shouldDrainEveryValueAndEndEmpty() {
        IntObjectMap<Integer> map = new IntObjectMap<>(8);
        for (int i = 1; i <= 1000; i++) {
            map.put(i * 7919, i);
        }
        List<Integer> drained = new ArrayList<>();
        map.drain(drained::add);
        assertEquals(1000, drained.size());
        assertEquals(500_500, drained.stream().mapToInt(Integer::intValue).sum());
        assertEquals(0, map.size());
        assertNull(map.get(7919));
    }

    @Test
    void shouldWorkWithoutArraysBeforeTheFirstPutAndAfterADrain() {
        IntObjectMap<String> map = new IntObjectMap<>(8);
        assertNull(map.get(1));
        assertNull(map.remove(1));
        map.forEach((k, v) -> {
            throw new AssertionError("empty map visited " + k);
        });
        map.drain(v -> {
            throw new AssertionError("empty map drained " + v);
        });
        map.put(1, "one");
        assertEquals("one", map.get(1));
        map.drain(v -> { });
        assertNull(map.get(1));
        for (int i = 1; i <= 100; i++) {
            map.put(i, "v" + i);
        }
        assertEquals(100, map.size());
        assertEquals("v77", map.get(77));
    }

    @Test
    void shouldRefuseKeyZeroWhichMarksEmptySlots() {
        assertThrows(IllegalArgumentException.class, () -> new IntObjectMap<String>(8).put(0, "x"));
    }

    @Test
    void shouldHandleNegativeKeysFromUnsignedRequestIds() {
        IntObjectMap<String> map = new IntObjectMap<>(8);
        map.put(-1, "max");
        map.put(Integer.MIN_VALUE, "min");
        assertEquals("max", map.remove(-1));
        assertEquals("min", map.get(Integer.MIN_VALUE));
    }
}
