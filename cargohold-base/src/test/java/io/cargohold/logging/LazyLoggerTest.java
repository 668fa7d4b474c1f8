package io.cargohold.logging;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.System.Logger.Level;
import org.junit.jupiter.api.Test;

class LazyLoggerTest {
    @Test
    void theAnnouncedLevelFiltersBeforeAnyLoggerIsMade() {
        String before = System.getProperty(LazyLogger.LEVEL_PROPERTY);
        try {
            System.setProperty(LazyLogger.LEVEL_PROPERTY, "warn");
            LazyLogger log = LazyLogger.of("io.cargohold.logging.test");
            assertFalse(log.isLoggable(Level.DEBUG));
            assertFalse(log.isLoggable(Level.INFO));
            System.setProperty(LazyLogger.LEVEL_PROPERTY, "off");
            assertFalse(log.isLoggable(Level.ERROR));
            // unset: the JDK's logger decides (its default java.util.logging level is INFO)
            System.clearProperty(LazyLogger.LEVEL_PROPERTY);
            assertEquals(System.getLogger("io.cargohold.logging.test").isLoggable(Level.INFO), log.isLoggable(Level.INFO));
            assertEquals(System.getLogger("io.cargohold.logging.test").isLoggable(Level.DEBUG), log.isLoggable(Level.DEBUG));
        } finally {
            if (before == null) {
                System.clearProperty(LazyLogger.LEVEL_PROPERTY);
            } else {
                System.setProperty(LazyLogger.LEVEL_PROPERTY, before);
            }
        }
    }

    @Test
    void levelNamesAsTheCliGivesThem() {
        assertEquals(Level.TRACE, LazyLogger.threshold("trace"));
        assertEquals(Level.DEBUG, LazyLogger.threshold("DEBUG"));
        assertEquals(Level.INFO, LazyLogger.threshold("info"));
        assertEquals(Level.WARNING, LazyLogger.threshold("warn"));
        assertEquals(Level.WARNING, LazyLogger.threshold("warning"));
        assertEquals(Level.ERROR, LazyLogger.threshold("panic"));
        assertEquals(Level.OFF, LazyLogger.threshold("off"));
        assertNull(LazyLogger.threshold("loud"));
        assertNull(LazyLogger.threshold(null));
        assertTrue(Level.ERROR.getSeverity() > Level.WARNING.getSeverity());
    }
}
